#!/usr/bin/env python3
"""Claims checked (lesson 7; version facts that only the running interpreter can show):
- `sys._is_gil_enabled()` exists only since 3.13 (on older versions, use
  `sysconfig.get_config_var("Py_GIL_DISABLED")`);
- immortal objects (PEP 683) exist only since 3.12: before that, `None`'s reference
  count changes like any other object's;
- interned strings: immortal in 3.12.0-3.12.4 only in the default build; mortal again
  since 3.12.5 and 3.13 (gh-113993), still immortal in free-threaded builds.
This machine has only CPython 3.11, so it can confirm the "before" side of each claim;
the 3.12+ sides are cited from CPython's sources (see the report / lesson text).

Run:  python3 scripts/claims/interpreter_facts.py
"""

import sys
import sysconfig


def count_changes(obj):
    before = sys.getrefcount(obj)
    refs = [obj] * 1000  # noqa: F841  (1000 new references)
    return sys.getrefcount(obj) - before


def main():
    print(f"CPython {sys.version.split()[0]}")
    print(f"  Py_GIL_DISABLED = {sysconfig.get_config_var('Py_GIL_DISABLED')!r}")
    print(f"  hasattr(sys, '_is_gil_enabled') = {hasattr(sys, '_is_gil_enabled')}")
    interned = sys.intern("an interned string for this check")
    for name, obj in [("None", None), ("small int 7", 7), ("interned str", interned)]:
        delta = count_changes(obj)
        kind = "immortal (count does not move)" if delta == 0 else "mortal"
        print(f"  1000 new references to {name:13s}: count +{delta:<5d} -> {kind}")


if __name__ == "__main__":
    main()
