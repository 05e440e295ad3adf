//! Runs engine work off the event loop: a closure executed on the libuv thread pool, whose
//! engine error, if any, becomes the Promise's rejection back on the JavaScript thread.

use crate::errors::Failure;
use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Status, Task};

type Work<T> = Box<dyn FnOnce() -> Result<T, Failure> + Send>;

/// One engine call; `T` is the plain object it resolves with.
pub struct Job<T> {
    work: Option<Work<T>>,
}

impl<T> std::fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

/// Schedules `work` on the thread pool; the method returning this returns a Promise.
pub fn run<T, F>(work: F) -> AsyncTask<Job<T>>
where
    T: ToNapiValue + TypeName + Send + 'static,
    F: FnOnce() -> Result<T, Failure> + Send + 'static,
{
    AsyncTask::new(Job {
        work: Some(Box::new(work)),
    })
}

impl<T> Task for Job<T>
where
    T: ToNapiValue + TypeName + Send + 'static,
{
    type Output = Result<T, Failure>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        match self.work.take() {
            Some(work) => Ok(work()),
            None => Err(napi::Error::new(
                Status::GenericFailure,
                "an engine task ran twice",
            )),
        }
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|e| e.to_js(&env))
    }
}
