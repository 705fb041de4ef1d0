// crescu: the interactive layer of a course page (exercises, progress, timer, locks).
// Pages are complete without it; this file only adds behaviour.
"use strict";
