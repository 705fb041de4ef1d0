//! The dev server's rebuilds (`Workspace::for_rebuilds`), which render and write only
//! the files whose inputs changed, must leave exactly the folder a clean build writes:
//! the example course is edited step by step (text, titles, exercises, lessons added and
//! removed, a failing build, the course and module introductions) and after every
//! rebuild its output is compared byte for byte with a clean build's.

mod common;

use common::*;
use crescu::build::{BuildOptions, Workspace, build, build_in};
use crescu::content::changes::ContentChanges;
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The example course in a temporary root, with its rebuild workspace.
struct Course {
    _dir: tempfile::TempDir,
    root: PathBuf,
    workspace: Workspace,
}

impl Course {
    fn new() -> Course {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("course");
        copy_dir(&repo().join("content"), &root.join("content"));
        Course {
            _dir: dir,
            root,
            workspace: Workspace::for_rebuilds(),
        }
    }

    fn lesson(&self, name: &str) -> PathBuf {
        self.root.join("content/01-python-concurrency").join(name)
    }

    /// A lesson added to the module, after the fourth.
    fn add_lesson(&self) -> PathBuf {
        let added = self.lesson("04b-added.md");
        let text = "---\ntitle: Added lesson\nsummary: New.\n---\n## Added\n\nText.\n";
        std::fs::write(&added, text).unwrap();
        added
    }

    fn edit(&self, file: &Path, from: &str, to: &str) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains(from), "{} holds {from:?}", file.display());
        std::fs::write(file, text.replacen(from, to, 1)).unwrap();
    }

    fn options(&self, output: &str) -> BuildOptions {
        BuildOptions::new(&self.root, Some(self.root.join(output)))
    }

    /// Rebuild; then build the same course clean elsewhere and compare the two folders.
    fn rebuild_matches_clean(&mut self, step: &str) {
        build_in(&self.options("site"), &mut self.workspace, &|_| {})
            .unwrap_or_else(|d| panic!("{step}: {:?}", d.0.first()));
        build(&self.options("clean")).unwrap();
        let (rebuilt, clean) = (
            snapshot_tree(&self.root.join("site")),
            snapshot_tree(&self.root.join("clean")),
        );
        let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&rebuilt), names(&clean), "{step}: the same files");
        for ((path, a), (_, b)) in rebuilt.iter().zip(&clean) {
            assert!(
                a == b,
                "{step}: {} differs from a clean build",
                path.display()
            );
        }
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().ino()
}

#[test]
fn rebuilds_after_each_kind_of_edit_equal_a_clean_build() {
    let mut course = Course::new();
    course.rebuild_matches_clean("first build");
    course.rebuild_matches_clean("nothing changed");

    let gil = course.lesson("02-the-gil.md");
    course.edit(&gil, "\n## ", "\nA new sentence in the body.\n\n## ");
    course.rebuild_matches_clean("body text");

    course.edit(
        &gil,
        "title: The Global Interpreter Lock",
        "title: The GIL, renamed",
    );
    course.rebuild_matches_clean("a title, shown by neighbours, the syllabus and go-deeper links");

    let c_ext = course.lesson("03-c-extensions.md");
    course.edit(
        &c_ext,
        "which of these may C code safely do?",
        "which of these may C code do?",
    );
    course.rebuild_matches_clean("an exercise prompt, shown by the review script");

    let added = course.add_lesson();
    course.rebuild_matches_clean("a lesson added");
    std::fs::remove_file(&added).unwrap();
    course.rebuild_matches_clean("a lesson removed");

    course.edit(&gil, "\n## ", "\n{{ exercise no-such-exercise }}\n\n## ");
    let failed = build_in(&course.options("site"), &mut course.workspace, &|_| {});
    assert!(failed.is_err(), "a broken shortcode fails the rebuild");
    course.edit(&gil, "\n{{ exercise no-such-exercise }}\n", "\n");
    course.rebuild_matches_clean("fixed after a failed rebuild");

    let module = course.lesson("_index.md");
    course.edit(&module, "title: ", "title: Renamed - ");
    course.rebuild_matches_clean("the module's title");
    let intro = course.root.join("content/_index.md");
    course.edit(
        &intro,
        "\n---\n",
        "\n---\nA new first line of the introduction.\n\n",
    );
    course.rebuild_matches_clean("the course introduction");
}

#[cfg(unix)]
#[test]
fn an_edit_rewrites_its_page_and_leaves_the_others() {
    let mut course = Course::new();
    course.rebuild_matches_clean("first build");
    let site = course.root.join("site");
    let page = |slug: &str| {
        site.join("python-concurrency")
            .join(slug)
            .join("index.html")
    };
    let (edited, other) = (page("the-gil"), page("asyncio"));
    let before = (
        inode(&edited),
        inode(&other),
        inode(&site.join("index.html")),
    );
    course.edit(
        &course.lesson("02-the-gil.md"),
        "\n## ",
        "\nA new sentence in the body.\n\n## ",
    );
    course.rebuild_matches_clean("body text");
    assert_ne!(
        inode(&edited),
        before.0,
        "the edited lesson's page is written anew"
    );
    assert_eq!(
        inode(&other),
        before.1,
        "another lesson's page is left alone"
    );
    assert_eq!(
        inode(&site.join("index.html")),
        before.2,
        "the course page lists no body text: left alone"
    );
}

/// A course of `modules` modules of `lessons` lessons, each with three sections.
fn generated_course(modules: usize, lessons: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("_index.md"), "---\ntitle: Big\n---\nIntro.\n").unwrap();
    for m in 1..=modules {
        let module = content.join(format!("{m:02}-module-{m}"));
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(module.join("_index.md"), format!("---\ntitle: M{m}\n---\n")).unwrap();
        for l in 1..=lessons {
            let sections: String = (1..=3)
                .map(|s| format!("## Part {s}\n\nWords of lesson {m}.{l}, part {s}.\n\n"))
                .collect();
            let text = format!("---\ntitle: Lesson {m}.{l}\nsummary: S.\n---\n{sections}");
            std::fs::write(module.join(format!("{l:02}-lesson-{l}.md")), text).unwrap();
        }
    }
    dir
}

#[test]
fn search_scripts_stay_right_when_an_edit_moves_the_documents_after_it() {
    let dir = generated_course(3, 30);
    let mut course = Course {
        root: dir.path().to_path_buf(),
        _dir: dir,
        workspace: Workspace::for_rebuilds(),
    };
    course.rebuild_matches_clean("first build");
    let lesson = course.root.join("content/02-module-2/05-lesson-5.md");
    course.edit(
        &lesson,
        "## Part 2",
        "## A new part\n\nNew words.\n\n## Part 2",
    );
    course.rebuild_matches_clean("a section added: later documents move");
    course.edit(&lesson, "part 3.", "part three.");
    course.rebuild_matches_clean("one document's text");
    course.edit(&lesson, "## A new part\n\nNew words.\n\n", "");
    course.rebuild_matches_clean("the section removed again");
}

/// Rewrites `file` as editors do: the new text written beside it, then renamed over it.
fn save_beside(file: &Path, text: &str) {
    let beside = file.with_file_name(".saving.tmp");
    std::fs::write(&beside, text).unwrap();
    std::fs::rename(&beside, file).unwrap();
}

#[test]
fn rebuilds_after_renames_simulations_settings_and_theme_equal_a_clean_build() {
    let mut course = Course::new();
    course.rebuild_matches_clean("first build");

    // A slug changes with its file's name (and the link to it with it).
    let threads = course.lesson("01-threads-and-processes.md");
    std::fs::rename(&threads, course.lesson("01-threads-vs-processes.md")).unwrap();
    let sub = course.lesson("08-subinterpreters.md");
    course.edit(
        &sub,
        "lesson: threads-and-processes",
        "lesson: threads-vs-processes",
    );
    course.rebuild_matches_clean("a lesson renamed: a new slug");
    // Moved to the end: the order, numbers and neighbours change.
    let gc = course.lesson("05-garbage-collection.md");
    std::fs::rename(&gc, course.lesson("09-garbage-collection.md")).unwrap();
    course.rebuild_matches_clean("a lesson moved");
    // Its measurements are left without a lesson, then found again.
    let gil = course.lesson("02-the-gil.md");
    std::fs::rename(&gil, course.lesson("10-the-gil.md")).unwrap();
    course.rebuild_matches_clean("a lesson with measurements renamed");
    std::fs::rename(course.lesson("10-the-gil.md"), &gil).unwrap();
    course.rebuild_matches_clean("renamed back: its measurements attach again");
    // An unchanged lesson loses its measurements.
    let measured = course.lesson("03-c-extensions.measured.yaml");
    let measurements = std::fs::read(&measured).unwrap();
    std::fs::remove_file(&measured).unwrap();
    course.rebuild_matches_clean("a measurement file removed");
    std::fs::write(&measured, measurements).unwrap();
    course.rebuild_matches_clean("and put back");

    course.edit(&sub, "start_ms: 65", "start_ms: 70");
    course.rebuild_matches_clean("a simulation's input");

    let content = course.root.join("content");
    let module = content.join("02-more");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(module.join("_index.md"), "---\ntitle: More\n---\nMore.\n").unwrap();
    std::fs::write(
        module.join("01-extra.md"),
        "---\ntitle: Extra\nsummary: S.\n---\n## Extra\n\nSee [the GIL](../01-python-concurrency/02-the-gil.md).\n",
    )
    .unwrap();
    course.rebuild_matches_clean("a module added");
    std::fs::rename(&module, content.join("03-renamed-module")).unwrap();
    course.rebuild_matches_clean("a module renamed");
    std::fs::remove_dir_all(content.join("03-renamed-module")).unwrap();
    course.rebuild_matches_clean("a module removed");

    let index = content.join("_index.md");
    course.edit(&index, "focus_minutes: 25", "focus_minutes: 20");
    course.rebuild_matches_clean("a course setting every lesson takes");
    course.edit(
        &index,
        "title: Python Concurrency",
        "title: Concurrency in Python",
    );
    course.rebuild_matches_clean("the course title");

    let theme = course.root.join("themes/default");
    copy_dir(&repo().join("themes/default"), &theme);
    course.workspace.forget_theme();
    course.rebuild_matches_clean("a theme in the course");
    course.edit(
        &theme.join("templates/lesson.html"),
        "</",
        "<!-- edited --></",
    );
    course.edit(&theme.join("static/style.css"), "{", "{ /* edited */");
    // As `crescu serve` does when a theme file changes.
    course.workspace.forget_theme();
    course.rebuild_matches_clean("a template and a style sheet");
}

#[test]
fn rebuilds_after_saves_touches_and_quick_edits_equal_a_clean_build() {
    let mut course = Course::new();
    course.rebuild_matches_clean("first build");
    let asyncio = course.lesson("06-asyncio.md");
    let text = std::fs::read_to_string(&asyncio).unwrap();
    save_beside(
        &asyncio,
        &text.replacen("\n## ", "\nSaved beside.\n\n## ", 1),
    );
    course.rebuild_matches_clean("written beside and renamed over");

    set_modified(&asyncio, std::time::SystemTime::now());
    course.rebuild_matches_clean("touched without a change");

    // Twice within the watcher's quiet time, the second of the same length: both land
    // in one clock tick of the file system, so only the text can tell them apart.
    course.edit(&asyncio, "Saved beside.", "Saved twice1.");
    course.rebuild_matches_clean("the first of two quick edits");
    course.edit(&asyncio, "Saved twice1.", "Saved twice2.");
    course.rebuild_matches_clean("the second, of the same length, in the same tick");
}

/// Sets `file`'s modification time, as `touch -d` does.
fn set_modified(file: &Path, time: std::time::SystemTime) {
    let file = std::fs::File::options().write(true).open(file).unwrap();
    file.set_modified(time).unwrap();
}

/// Writes `text` over `file` in place, then puts its modification time back.
fn restore_after_write(file: &Path, text: &str) {
    let modified = std::fs::metadata(file).unwrap().modified().unwrap();
    std::fs::write(file, text).unwrap();
    set_modified(file, modified);
}

/// Waits until the files written so far count as settled: their stamps (modified and
/// changed times) are trusted only once older than the loader's margin.
fn wait_for_files_to_settle() {
    std::thread::sleep(std::time::Duration::from_millis(4_200));
}

#[cfg(unix)]
#[test]
fn unchanged_files_are_not_read_again_and_changed_ones_are() {
    let mut course = Course::new();
    let asset = course.lesson("notes.txt");
    std::fs::write(&asset, "version 1").unwrap();
    course.rebuild_matches_clean("first build");
    let lessons = 8;
    assert_eq!(course.workspace.lessons_read(), Some(lessons));
    wait_for_files_to_settle();
    course.rebuild_matches_clean("settled: read once more, to stamp them");
    assert_eq!(course.workspace.lessons_read(), Some(lessons));
    course.rebuild_matches_clean("nothing changed");
    assert_eq!(
        course.workspace.lessons_read(),
        Some(0),
        "settled files are taken unread"
    );

    // Rewritten in place to the same length, its modification time put back (as
    // `cp -p`, `rsync -t` and some editors do): the change time still tells.
    let gil = course.lesson("02-the-gil.md");
    let text = std::fs::read_to_string(&gil).unwrap();
    let same_length = text.replacen(
        "The Global Interpreter Lock",
        "The Global Interpreter Look",
        1,
    );
    assert_ne!(text, same_length);
    restore_after_write(&gil, &same_length);
    restore_after_write(&asset, "version 2");
    course.rebuild_matches_clean("same length, same modification time");
    assert_eq!(course.workspace.lessons_read(), Some(1));
    let page = std::fs::read_to_string(
        course
            .root
            .join("site/python-concurrency/the-gil/index.html"),
    )
    .unwrap();
    assert!(
        page.contains("Interpreter Look"),
        "the edit reached the page"
    );

    // Written again at once: not settled, so read again until it is.
    std::fs::write(&gil, &text).unwrap();
    course.rebuild_matches_clean("changed back within the same second");
    assert_eq!(course.workspace.lessons_read(), Some(1));
    course.rebuild_matches_clean("not yet settled: read again");
    assert_eq!(course.workspace.lessons_read(), Some(1));
}

/// Tells the workspace that `paths` (relative to the course root) changed, as the dev
/// server's watcher does before each rebuild.
fn report(course: &Course, paths: &[&str]) {
    let paths = paths.iter().map(PathBuf::from).collect();
    course
        .workspace
        .content_changed(ContentChanges::Paths(paths));
}

#[test]
fn rebuilds_told_what_changed_equal_a_clean_build() {
    let mut course = Course::new();
    course.workspace.content_watched();
    course.rebuild_matches_clean("first build");
    report(&course, &[]);
    course.rebuild_matches_clean("nothing reported");

    let module = "content/01-python-concurrency";
    let gil = course.lesson("02-the-gil.md");
    course.edit(&gil, "\n## ", "\nA new sentence in the body.\n\n## ");
    report(&course, &[&format!("{module}/02-the-gil.md")]);
    course.rebuild_matches_clean("an edit reported as its file");

    let asyncio = course.lesson("06-asyncio.md");
    let text = std::fs::read_to_string(&asyncio).unwrap();
    save_beside(
        &asyncio,
        &text.replacen("\n## ", "\nSaved beside.\n\n## ", 1),
    );
    let saved = format!("{module}/06-asyncio.md");
    report(&course, &[&format!("{module}/.saving.tmp"), &saved]);
    course.rebuild_matches_clean("written beside and renamed over");

    let added = course.add_lesson();
    report(&course, &[&format!("{module}/04b-added.md")]);
    course.rebuild_matches_clean("a lesson added: a file the walk did not find");
    std::fs::remove_file(&added).unwrap();
    report(&course, &[&format!("{module}/04b-added.md")]);
    course.rebuild_matches_clean("a lesson removed: a file of the walk gone");

    // A module folder renamed, reported as the rename of the folder only: its files
    // move without an event of their own.
    let content = course.root.join("content");
    let renamed = "content/01-concurrency";
    std::fs::rename(course.root.join(module), course.root.join(renamed)).unwrap();
    report(&course, &[module, renamed]);
    course.rebuild_matches_clean("a module folder renamed");
    // Back again, reported as the old path only, then as the new one only (a folder
    // moved out of the course, and one moved in).
    std::fs::rename(course.root.join(renamed), course.root.join(module)).unwrap();
    report(&course, &[renamed]);
    course.rebuild_matches_clean("renamed back, reported as the old path");
    std::fs::rename(course.root.join(module), course.root.join(renamed)).unwrap();
    report(&course, &[renamed]);
    course.rebuild_matches_clean("renamed, reported as the new path");
    std::fs::rename(course.root.join(renamed), course.root.join(module)).unwrap();
    course.workspace.content_changed(ContentChanges::Unknown);
    course.rebuild_matches_clean("renamed back, an overflowed queue reported");
    assert!(content.join("01-python-concurrency").is_dir());
}

#[cfg(unix)]
#[test]
fn files_not_reported_are_taken_without_asking_the_file_system() {
    let mut course = Course::new();
    course.workspace.content_watched();
    course.rebuild_matches_clean("first build");
    wait_for_files_to_settle();
    course.workspace.content_changed(ContentChanges::Unknown);
    course.rebuild_matches_clean("settled: stamped");
    report(&course, &[]);
    course.rebuild_matches_clean("nothing reported");
    assert_eq!(course.workspace.lessons_read(), Some(0));

    // Rewritten to the same length with its times put back: only its change time
    // tells, and that is not asked for while the watcher reports nothing of it.
    let gil = course.lesson("02-the-gil.md");
    let text = std::fs::read_to_string(&gil).unwrap();
    let edited = text.replacen(
        "The Global Interpreter Lock",
        "The Global Interpreter Look",
        1,
    );
    restore_after_write(&gil, &edited);
    report(&course, &["content/01-python-concurrency/06-asyncio.md"]);
    build_in(&course.options("site"), &mut course.workspace, &|_| {}).unwrap();
    assert_eq!(
        course.workspace.lessons_read(),
        Some(0),
        "asyncio is settled"
    );
    let page = course
        .root
        .join("site/python-concurrency/the-gil/index.html");
    let shown = |page: &Path| std::fs::read_to_string(page).unwrap();
    assert!(
        !shown(&page).contains("Interpreter Look"),
        "not reported, not asked"
    );
    course.workspace.content_changed(ContentChanges::Unknown);
    course.rebuild_matches_clean("an unknown change: every stamp taken");
    assert_eq!(course.workspace.lessons_read(), Some(1));
    assert!(shown(&page).contains("Interpreter Look"));
}
