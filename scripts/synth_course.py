#!/usr/bin/env python3
"""Generate one synthetic course three ways: for crescu, Hugo and mdBook.

Each lesson has about 900 words in sections, two code blocks (Python and Rust) and
three exercises. crescu gets them as front-matter exercises; the peers, which have no
exercises, get the same questions as Markdown lists, so every tool renders about the
same text and code. Usage: synth_course.py LESSONS OUT_DIR [--simulations] [--distinct-code]

By default every lesson has the same two code blocks, which a highlight cache turns
into two highlightings per build; --distinct-code gives each lesson code of its own
(its own names, numbers and lines), as a real course has.
"""
import os
import random
import sys

WORDS = (
    "thread process lock interpreter bytecode switch interval waiter holder request "
    "signal core cache memory object reference count release acquire convoy latency "
    "throughput scheduler kernel timer event queue worker pool future result value "
    "python module function loop iteration measure chart build course lesson learner"
).split()

PY = '''```python
import threading

def count(n):
    while n > 0:
        n -= 1

threads = [threading.Thread(target=count, args=(10_000_000,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
```'''

RS = '''```rust
use std::sync::{Arc, Mutex};

fn main() {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = Arc::clone(&counter);
            std::thread::spawn(move || *c.lock().unwrap() += 1)
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
```'''

SIM = """simulations:
  - id: two-threads
    title: Two CPU-bound threads
    chart: bars
    runs:
      - label: 1 thread
        threads: [ { name: main, work: [ { cpu_ms: 20 } ] } ]
      - label: 2 threads
        threads:
          - { name: T1, work: [ { cpu_ms: 10 } ] }
          - { name: T2, work: [ { cpu_ms: 10 } ] }
"""


def sentence(rng):
    n = rng.randint(8, 16)
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng, words):
    out, count = [], 0
    while count < words:
        s = sentence(rng)
        out.append(s)
        count += len(s.split())
    return " ".join(out)


def distinct_python(n, rng):
    """A Python block of lesson n: the same shape as PY, with its own names and lines."""
    name = f"{rng.choice(WORDS)}_{n}"
    extra = [f"    {rng.choice(WORDS)}_{i} = {rng.randint(0, 10**6)}  # {rng.choice(WORDS)}"
             for i in range(rng.randint(1, 4))]
    return "\n".join([
        "```python", "import threading", "", f"def {name}(n):", *extra,
        "    while n > 0:", f"        n -= {rng.randint(1, 9)}", "",
        f"threads = [threading.Thread(target={name}, args=({rng.randint(10**5, 10**7)},))"
        f" for _ in range({rng.randint(2, 8)})]",
        "for t in threads:", "    t.start()", "for t in threads:", "    t.join()", "```"])


def distinct_rust(n, rng):
    """A Rust block of lesson n: the same shape as RS, with its own names and lines."""
    var = f"{rng.choice(WORDS)}_{n}"
    return "\n".join([
        "```rust", "use std::sync::{Arc, Mutex};", "", "fn main() {",
        f"    let {var} = Arc::new(Mutex::new({rng.randint(0, 999)}u64));",
        f"    let handles: Vec<_> = (0..{rng.randint(2, 16)})",
        "        .map(|_| {", f"            let c = Arc::clone(&{var});",
        f"            std::thread::spawn(move || *c.lock().unwrap() += {rng.randint(1, 99)})",
        "        })", "        .collect();", "    for h in handles {", "        h.join().unwrap();",
        "    }", f'    println!("{rng.choice(WORDS)}: {{}}", {var}.lock().unwrap());', "}", "```"])


def lesson_body(rng, n=0, distinct=False):
    parts = []
    for i in range(4):
        parts.append(f"## Section {i + 1}\n\n{paragraph(rng, 110)}\n\n{paragraph(rng, 110)}")
        if i == 1:
            parts.append(distinct_python(n, rng) if distinct else PY)
        if i == 2:
            parts.append(distinct_rust(n, rng) if distinct else RS)
    return "\n\n".join(parts) + "\n"


def main():
    lessons = int(sys.argv[1])
    out = sys.argv[2]
    with_sims = "--simulations" in sys.argv
    distinct = "--distinct-code" in sys.argv
    rng = random.Random(42)
    per_module = 50
    modules = (lessons + per_module - 1) // per_module

    crescu = os.path.join(out, "crescu", "content")
    hugo = os.path.join(out, "hugo")
    mdbook = os.path.join(out, "mdbook")
    os.makedirs(crescu, exist_ok=True)
    os.makedirs(os.path.join(hugo, "content"), exist_ok=True)
    os.makedirs(os.path.join(hugo, "layouts", "_default"), exist_ok=True)
    os.makedirs(os.path.join(mdbook, "src"), exist_ok=True)

    with open(os.path.join(crescu, "_index.md"), "w") as f:
        f.write("---\ntitle: Synthetic course\nbrand: bench\n---\nA generated course.\n")
    with open(os.path.join(hugo, "hugo.toml"), "w") as f:
        f.write('baseURL = "http://localhost/"\ntitle = "Synthetic course"\n'
                'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
                '[markup.highlight]\nnoClasses = false\n')
    layouts = {
        "baseof.html": "<!doctype html><html><head><title>{{ .Title }}</title>"
                       '<link rel="stylesheet" href="/style.css"></head><body>'
                       "<nav>{{ .Site.Title }}</nav><main>{{ block \"main\" . }}{{ end }}</main></body></html>",
        "single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}'
                       '{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">prev</a>{{ end }}'
                       '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">next</a>{{ end }}{{ end }}',
        "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
                     '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}',
    }
    for name, text in layouts.items():
        with open(os.path.join(hugo, "layouts", "_default", name), "w") as f:
            f.write(text)
    with open(os.path.join(mdbook, "book.toml"), "w") as f:
        f.write('[book]\ntitle = "Synthetic course"\n[output.html]\nno-section-label = true\n'
                '[output.html.search]\nenable = false\n')
    summary = ["# Summary\n"]

    n = 0
    for m in range(modules):
        mod_dir = f"{m + 1:02d}-module-{m + 1}"
        os.makedirs(os.path.join(crescu, mod_dir), exist_ok=True)
        os.makedirs(os.path.join(hugo, "content", mod_dir), exist_ok=True)
        os.makedirs(os.path.join(mdbook, "src", mod_dir), exist_ok=True)
        with open(os.path.join(crescu, mod_dir, "_index.md"), "w") as f:
            f.write(f"---\ntitle: Module {m + 1}\nsummary: Generated module.\n---\n")
        with open(os.path.join(hugo, "content", mod_dir, "_index.md"), "w") as f:
            f.write(f"---\ntitle: Module {m + 1}\n---\n")
        summary.append(f"- [Module {m + 1}]({mod_dir}/README.md)")
        with open(os.path.join(mdbook, "src", mod_dir, "README.md"), "w") as f:
            f.write(f"# Module {m + 1}\n")
        for i in range(min(per_module, lessons - n)):
            n += 1
            name = f"{i + 1:03d}-lesson-{n}.md"
            title = f"Lesson {n}: {rng.choice(WORDS)} and {rng.choice(WORDS)}"
            body = lesson_body(rng, n, distinct)
            quiz = (
                "quiz:\n"
                f"  - id: mc\n    type: multiple_choice\n    prompt: Which {rng.choice(WORDS)} is right?\n"
                "    options: [first, second, third]\n    answer: 1\n    explanation: The second one.\n"
                "  - id: tf\n    type: true_false\n    prompt: Threads share memory.\n    answer: true\n"
                "    explanation: They live in one process.\n"
                "  - id: blank\n    type: fill_blank\n    prompt: Use the ___ module.\n"
                "    answers: [multiprocessing]\n    explanation: One interpreter per process.\n"
            )
            questions = (
                "\n## Exercises\n\n1. Which one is right? first / second / third\n"
                "2. True or false: threads share memory.\n3. Use the ___ module.\n"
            )
            with open(os.path.join(crescu, mod_dir, name), "w") as f:
                f.write(f"---\ntitle: \"{title}\"\nsummary: A generated lesson.\n{quiz}"
                        f"{SIM if with_sims else ''}---\n{body}")
            with open(os.path.join(hugo, "content", mod_dir, name), "w") as f:
                f.write(f"---\ntitle: \"{title}\"\n---\n{body}{questions}")
            with open(os.path.join(mdbook, "src", mod_dir, name), "w") as f:
                f.write(f"# {title}\n\n{body}{questions}")
            summary.append(f"  - [{title}]({mod_dir}/{name})")
    with open(os.path.join(mdbook, "src", "SUMMARY.md"), "w") as f:
        f.write("\n".join(summary) + "\n")


if __name__ == "__main__":
    main()
