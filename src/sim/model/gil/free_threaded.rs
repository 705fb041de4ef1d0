//! Free-threaded builds (PEP 703): no global lock; Python runs slower by `ft_slowdown`
//! (biased reference counting, per-object locks).

use super::super::super::spec::InterpreterParams;
use super::super::Sim;
use super::GilRules;

#[derive(Clone, Copy, Debug)]
pub(in super::super) struct FreeThreaded {
    slowdown: f64,
}

impl FreeThreaded {
    pub(super) fn new(interp: &InterpreterParams) -> FreeThreaded {
        FreeThreaded {
            slowdown: interp.ft_slowdown,
        }
    }
}

impl GilRules for FreeThreaded {
    fn attempt(&self, sim: &mut Sim, tid: usize) {
        sim.resume(tid);
    }

    fn release(&self, _sim: &mut Sim, _tid: usize, _exiting: bool) -> bool {
        false
    }

    fn python_factor(&self, _sim: &Sim, _tid: usize) -> f64 {
        self.slowdown
    }
}
