//! How a lesson's video is shown: a YouTube or Vimeo address as a click-to-load player
//! (nothing is requested from the video host before the learner clicks), a video file of
//! the course as `<video>`, anything else as a link. The link is always on the page, so
//! without scripts (or with `embed: false`) the learner still gets to the video.

use serde::Serialize;

/// Extensions of files browsers play in `<video>`.
const VIDEO_FILES: &[&str] = &["mp4", "m4v", "webm", "ogv", "mov"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VideoSource {
    /// A player to load on click: its address and the host it comes from.
    Embed {
        player: String,
        host: &'static str,
    },
    /// A file of the course.
    File,
    Link,
}

/// How to show the video at `url` (as written in front matter, already checked safe).
pub fn source(url: &str, embed: bool) -> VideoSource {
    if let Some(player) = embed.then(|| player(url)).flatten() {
        return player;
    }
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let relative = !url.contains(':') && !url.starts_with("//");
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if relative && extension.is_some_and(|e| VIDEO_FILES.contains(&e.as_str())) {
        VideoSource::File
    } else {
        VideoSource::Link
    }
}

/// The privacy-friendly player of a YouTube or Vimeo address: youtube-nocookie.com sets no
/// cookie until playback, and Vimeo's `dnt=1` turns its tracking off.
fn player(url: &str) -> Option<VideoSource> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_prefix("m.").unwrap_or(host);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let path = path.split('#').next().unwrap_or_default();
    let youtube = |id: &str| {
        is_youtube_id(id).then(|| VideoSource::Embed {
            player: format!("https://www.youtube-nocookie.com/embed/{id}?autoplay=1"),
            host: "youtube-nocookie.com",
        })
    };
    match host {
        "youtu.be" => youtube(path),
        "youtube.com" | "youtube-nocookie.com" => match path.split_once('/') {
            Some(("embed" | "shorts" | "live", id)) => youtube(id),
            None if path == "watch" => query
                .split('&')
                .find_map(|pair| pair.strip_prefix("v="))
                .and_then(youtube),
            _ => None,
        },
        "vimeo.com" | "player.vimeo.com" => {
            let id = path.strip_prefix("video/").unwrap_or(path);
            (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| VideoSource::Embed {
                player: format!("https://player.vimeo.com/video/{id}?autoplay=1&dnt=1"),
                host: "vimeo.com",
            })
        }
        _ => None,
    }
}

/// YouTube ids are 11 characters of the URL-safe base64 alphabet.
fn is_youtube_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player_of(url: &str) -> Option<String> {
        match source(url, true) {
            VideoSource::Embed { player, .. } => Some(player),
            _ => None,
        }
    }

    #[test]
    fn youtube_addresses_become_nocookie_players() {
        let nocookie = "https://www.youtube-nocookie.com/embed/Obt-vMVdM8s?autoplay=1";
        for url in [
            "https://www.youtube.com/watch?v=Obt-vMVdM8s",
            "https://youtube.com/watch?feature=share&v=Obt-vMVdM8s&t=30",
            "https://m.youtube.com/watch?v=Obt-vMVdM8s",
            "https://youtu.be/Obt-vMVdM8s",
            "https://www.youtube.com/embed/Obt-vMVdM8s",
            "http://youtube.com/shorts/Obt-vMVdM8s#x",
        ] {
            assert_eq!(player_of(url).as_deref(), Some(nocookie), "{url}");
        }
        assert_eq!(player_of("https://www.youtube.com/watch?v=short"), None);
        assert_eq!(player_of("https://www.youtube.com/@channel"), None);
        assert_eq!(
            player_of("https://youtube.com.evil.example/watch?v=Obt-vMVdM8s"),
            None
        );
    }

    #[test]
    fn vimeo_addresses_become_players_without_tracking() {
        let player = "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1";
        assert_eq!(
            player_of("https://vimeo.com/76979871").as_deref(),
            Some(player)
        );
        assert_eq!(
            player_of("https://player.vimeo.com/video/76979871").as_deref(),
            Some(player)
        );
        assert_eq!(player_of("https://vimeo.com/channels/staffpicks"), None);
    }

    #[test]
    fn files_play_in_place_and_the_rest_are_links() {
        assert_eq!(source("clip.MP4", true), VideoSource::File);
        assert_eq!(source("../media/talk.webm?v=2", true), VideoSource::File);
        assert_eq!(
            source("https://example.org/talk.mp4", true),
            VideoSource::Link
        );
        assert_eq!(source("https://example.org/talk", true), VideoSource::Link);
        assert_eq!(
            source("https://youtu.be/Obt-vMVdM8s", false),
            VideoSource::Link
        );
    }
}
