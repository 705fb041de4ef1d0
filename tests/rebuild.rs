//! The dev server's rebuilds (`Workspace::for_rebuilds`), which render and write only
//! the files whose inputs changed, must leave exactly the folder a clean build writes:
//! the example course is edited step by step (text, titles, exercises, lessons added and
//! removed, a failing build, the course and module introductions) and after every
//! rebuild its output is compared byte for byte with a clean build's.

mod common;

use common::*;
use crescu::build::{BuildOptions, Workspace, build, build_in};
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

    let added = course.lesson("04b-added.md");
    std::fs::write(
        &added,
        "---\ntitle: Added lesson\nsummary: New.\n---\n## Added\n\nText.\n",
    )
    .unwrap();
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
