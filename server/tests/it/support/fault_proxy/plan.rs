//! What the proxy does to each request: a script of faults for the next requests, then faults
//! drawn at random from a seed, optionally only for the requests on some paths. A seeded plan
//! makes a failing run reproducible: the same requests in the same order get the same faults.

use std::collections::VecDeque;

/// What happens to one request and its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Relayed both ways untouched.
    Pass,
    /// The client's connection is closed once its whole request arrived, before anything is
    /// forwarded: the server never sees the request.
    DropRequest,
    /// The request is forwarded whole and the server's whole response read, then the client's
    /// connection is closed without a byte of it: the server did the work, the client never
    /// hears of it.
    DropResponse,
    /// Only the head and the first half of the body (half the head for a request without a
    /// body) are forwarded, then both connections are closed: the server sees a request cut
    /// short.
    CutRequest,
    /// The server's response is read whole, and only its head and the first half of its body
    /// (half the head for one without a body) are relayed before both connections are closed.
    CutResponse,
}

/// The chance of each fault for a request the script does not decide; the rest pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomFaults {
    pub seed: u64,
    pub drop_request: f64,
    pub drop_response: f64,
    pub cut_request: f64,
    pub cut_response: f64,
}

impl RandomFaults {
    /// No fault yet, from `seed`; add each fault's chance with the methods below.
    pub fn seeded(seed: u64) -> RandomFaults {
        RandomFaults {
            seed,
            drop_request: 0.0,
            drop_response: 0.0,
            cut_request: 0.0,
            cut_response: 0.0,
        }
    }

    /// Each of the four faults with the chance `each`.
    pub fn uniform(seed: u64, each: f64) -> RandomFaults {
        RandomFaults::seeded(seed)
            .drop_request(each)
            .drop_response(each)
            .cut_request(each)
            .cut_response(each)
    }

    pub fn drop_request(mut self, chance: f64) -> RandomFaults {
        self.drop_request = chance;
        self
    }

    pub fn drop_response(mut self, chance: f64) -> RandomFaults {
        self.drop_response = chance;
        self
    }

    pub fn cut_request(mut self, chance: f64) -> RandomFaults {
        self.cut_request = chance;
        self
    }

    pub fn cut_response(mut self, chance: f64) -> RandomFaults {
        self.cut_response = chance;
        self
    }

    /// The fault for a draw in `[0, 1)`: the chances are stacked in a fixed order.
    fn pick(&self, draw: f64) -> Fault {
        let mut bound = 0.0;
        for (chance, fault) in [
            (self.drop_request, Fault::DropRequest),
            (self.drop_response, Fault::DropResponse),
            (self.cut_request, Fault::CutRequest),
            (self.cut_response, Fault::CutResponse),
        ] {
            bound += chance;
            if draw < bound {
                return fault;
            }
        }
        Fault::Pass
    }
}

/// The faults to inject, request by request.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    script: VecDeque<Fault>,
    random: Option<RandomFaults>,
    path_prefix: Option<String>,
}

impl FaultPlan {
    /// Every request passes.
    pub fn pass() -> FaultPlan {
        FaultPlan::default()
    }

    /// The next requests get these faults, one each, in order; those after them pass (or
    /// draw from [`FaultPlan::random`]).
    pub fn script(faults: impl IntoIterator<Item = Fault>) -> FaultPlan {
        FaultPlan {
            script: faults.into_iter().collect(),
            ..FaultPlan::default()
        }
    }

    /// Appends one fault to the script.
    pub fn then(mut self, fault: Fault) -> FaultPlan {
        self.script.push_back(fault);
        self
    }

    /// Requests after the script draw their fault from `random`.
    ///
    /// # Panics
    ///
    /// If a chance is negative or they add up to more than 1: a plan that cannot mean what
    /// its author thought.
    pub fn random(mut self, random: RandomFaults) -> FaultPlan {
        let chances = [
            random.drop_request,
            random.drop_response,
            random.cut_request,
            random.cut_response,
        ];
        assert!(
            chances.iter().all(|c| *c >= 0.0) && chances.iter().sum::<f64>() <= 1.0 + 1e-9,
            "fault chances must be non-negative and add up to at most 1: {random:?}"
        );
        self.random = Some(random);
        self
    }

    /// Only requests whose path starts with `prefix` get faults (and use up the script);
    /// the others always pass.
    pub fn only_paths(mut self, prefix: impl Into<String>) -> FaultPlan {
        self.path_prefix = Some(prefix.into());
        self
    }
}

/// A plan being applied: what is left of its script and its random generator.
#[derive(Debug)]
pub(super) struct Decider {
    plan: FaultPlan,
    rng: fastrand::Rng,
}

impl Decider {
    pub fn new(plan: FaultPlan) -> Decider {
        let seed = plan.random.map_or(0, |random| random.seed);
        Decider {
            plan,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The fault for the next request, on `path`.
    pub fn decide(&mut self, path: &str) -> Fault {
        if let Some(prefix) = &self.plan.path_prefix
            && !path.starts_with(prefix.as_str())
        {
            return Fault::Pass;
        }
        if let Some(fault) = self.plan.script.pop_front() {
            return fault;
        }
        match self.plan.random {
            Some(random) => random.pick(self.rng.f64()),
            None => Fault::Pass,
        }
    }

    /// Faults of the script not used yet.
    pub fn script_left(&self) -> usize {
        self.plan.script.len()
    }
}
