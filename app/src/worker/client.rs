//! The worker's lifecycle: started on the first job, one job at a time, restarted after it
//! died, and stopped when a new picture supersedes the one it is decoding or a picture takes
//! longer than its lane allows (a running wasm call cannot be interrupted any other way).
//!
//! Messages travel as postcard bytes in an `ArrayBuffer` handed over (transferred) to the other
//! side; the Rust copies are wiped, and so is a reply's buffer once read.

use super::start::{self, Running};
use super::Failure;
use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::set_timeout;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;
use tokensmith_worker_api::{decode, encode, Reply, Request};
use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroizing;

/// Which jobs a new one replaces.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// A picture the user gave: a new one supersedes the previous (queued or running).
    Picture,
    /// A camera frame: quick, never superseded (the camera waits for the previous frame).
    Camera,
    Other,
}

impl Lane {
    /// How long a job may run before its worker is stopped. rqrr 0.11 can search one picture
    /// for minutes (its alignment-pattern spiral is bounded only by an estimate a skewed group
    /// of finder patterns can make huge: fuzz/CAMPAIGN.md, finding 13), and a hung job would
    /// hold back every job queued behind it. The limits are several times the slowest
    /// legitimate reads measured (2.6 s for a busy 8000×6000 picture with no code, read at 2048
    /// and again at 4096 px; a camera frame is at most 960 px); the other jobs are bounded
    /// computations (PBKDF2, OpenPGP) that may rightly be slow on a slow machine.
    pub fn time_limit(self) -> Option<Duration> {
        match self {
            Lane::Picture => Some(Duration::from_secs(20)),
            Lane::Camera => Some(Duration::from_secs(5)),
            Lane::Other => None,
        }
    }
}

struct Job {
    id: u32,
    lane: Lane,
    message: Uint8Array,
    picture: Option<JsValue>,
    answer: oneshot::Sender<Result<Reply, Failure>>,
}

impl Job {
    fn end(self, result: Result<Reply, Failure>) {
        // The caller may have gone (its component unmounted): nothing to tell then.
        let _ = self.answer.send(result);
    }
}

/// The job the worker is doing.
struct Current {
    id: u32,
    lane: Lane,
    answer: oneshot::Sender<Result<Reply, Failure>>,
}

#[derive(Default)]
struct Client {
    worker: Option<Running>,
    /// The compiled module, kept from the first start: a restarted worker needs no second
    /// compilation.
    module: Option<JsValue>,
    queue: VecDeque<Job>,
    current: Option<Current>,
    next_id: u32,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

fn with<T>(f: impl FnOnce(&mut Client) -> T) -> T {
    CLIENT.with(|c| f(&mut c.borrow_mut()))
}

/// Sends one request (with its picture, if any) and waits for the reply.
pub async fn call(
    request: Request,
    picture: Option<JsValue>,
    lane: Lane,
) -> Result<Reply, Failure> {
    let bytes = encode(&request).map_err(|e| Failure::Protocol(e.to_string()))?;
    drop(request);
    let message = Uint8Array::from(&bytes[..]);
    drop(bytes);
    let (answer, reply) = oneshot::channel();
    with(|c| {
        if lane == Lane::Picture {
            c.supersede_pictures();
        }
        c.next_id = c.next_id.wrapping_add(1);
        c.queue.push_back(Job {
            id: c.next_id,
            lane,
            message,
            picture,
            answer,
        });
        c.pump();
    });
    reply.await.unwrap_or(Err(Failure::Superseded))
}

/// Starts the worker (and its compilation) if it is not running.
pub fn warm_up() {
    with(|c| {
        if c.worker.is_none() {
            c.worker = start::start(c.module.clone()).ok();
        }
    });
}

/// What the worker posts back (see `worker/js/boot.js`).
pub(super) fn on_message(data: JsValue) {
    let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    with(|c| {
        if get("ready").is_truthy() {
            let module = get("module");
            if !module.is_null() && !module.is_undefined() {
                c.module = Some(module);
            }
            if let Some(w) = c.worker.as_mut() {
                w.ready();
            }
        } else if let Some(reply) = get("reply").dyn_ref::<Uint8Array>() {
            let id = get("id").as_f64().map(|n| n as u32);
            match c.current.take() {
                Some(cur) if Some(cur.id) == id => {
                    let _ = cur.answer.send(read_reply(reply));
                }
                // A reply for a job that ended otherwise: ignore it.
                other => c.current = other,
            }
        } else if let Some(why) = get("failed").as_string() {
            c.died(why);
        }
        c.pump();
    });
}

/// The worker could not load its script, or an error escaped it.
pub(super) fn on_error(why: String) {
    with(|c| {
        c.died(why);
        c.pump();
    });
}

fn read_reply(reply: &Uint8Array) -> Result<Reply, Failure> {
    let bytes = Zeroizing::new(reply.to_vec());
    reply.fill(0, 0, reply.length());
    decode(&bytes).map_err(|e| Failure::Protocol(e.to_string()))
}

impl Client {
    /// The worker is gone: the job it was doing crashed it; if it died starting, every waiting
    /// job fails (the next call tries a new worker).
    fn died(&mut self, why: String) {
        let started = self.worker.take().is_some_and(|w| w.is_ready());
        if let Some(cur) = self.current.take() {
            let _ = cur.answer.send(Err(Failure::Crashed));
        } else if !started {
            for job in self.queue.drain(..) {
                job.end(Err(Failure::Unavailable(why.clone())));
            }
        }
    }

    /// The job `id` outran its lane's time limit: if it is still running, its worker is stopped
    /// and it fails; the next job gets a new worker.
    fn overtime(&mut self, id: u32, limit: Duration) {
        if self.current.as_ref().is_some_and(|c| c.id == id) {
            self.worker = None;
            if let Some(cur) = self.current.take() {
                let _ = cur.answer.send(Err(Failure::TooSlow(limit)));
            }
        }
    }

    fn supersede_pictures(&mut self) {
        let (old, keep): (Vec<Job>, Vec<Job>) =
            self.queue.drain(..).partition(|j| j.lane == Lane::Picture);
        self.queue.extend(keep);
        for job in old {
            job.end(Err(Failure::Superseded));
        }
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.lane == Lane::Picture)
        {
            // Stopping the worker is the only way to stop a decode; the next one starts fresh
            // from the compiled module.
            self.worker = None;
            if let Some(cur) = self.current.take() {
                let _ = cur.answer.send(Err(Failure::Superseded));
            }
        }
    }

    /// Hands the next job to the worker when it is free, starting it when needed.
    fn pump(&mut self) {
        if self.current.is_some() || self.queue.is_empty() {
            return;
        }
        let Some(worker) = self.worker.as_ref() else {
            match start::start(self.module.clone()) {
                Ok(w) => self.worker = Some(w),
                Err(why) => {
                    for job in self.queue.drain(..) {
                        job.end(Err(Failure::Unavailable(why.clone())));
                    }
                }
            }
            return;
        };
        if !worker.is_ready() {
            return;
        }
        let Some(job) = self.queue.pop_front() else {
            return;
        };
        let msg = Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &job.id.into());
        let _ = Reflect::set(&msg, &"message".into(), &job.message);
        let transfer = Array::of1(&job.message.buffer());
        if let Some(p) = &job.picture {
            let _ = Reflect::set(&msg, &"picture".into(), p);
            // A camera frame is handed over; a Blob is shared (it is immutable).
            if p.is_instance_of::<web_sys::ImageBitmap>() {
                transfer.push(p);
            }
        }
        match worker.post(&msg, &transfer) {
            Ok(()) => {
                if let Some(limit) = job.lane.time_limit() {
                    let id = job.id;
                    set_timeout(
                        move || {
                            with(|c| {
                                c.overtime(id, limit);
                                c.pump();
                            })
                        },
                        limit,
                    );
                }
                self.current = Some(Current {
                    id: job.id,
                    lane: job.lane,
                    answer: job.answer,
                })
            }
            Err(why) => {
                self.worker = None;
                job.end(Err(Failure::Unavailable(why)));
            }
        }
    }
}
