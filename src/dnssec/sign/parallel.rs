//! Signing many RRsets on every core: the jobs are split into one contiguous share per thread
//! (`std::thread::scope`), each thread with its own [`SignScratch`].

use crate::dnssec::keydir::StoredKey;
use crate::dnssec::rrsig::{RrsetHeader, SignError, SignScratch, Validity};
use crate::wire::Name;
use crate::wire::rtype::CLASS_IN;

/// One signature to make: key `key` over the RRset `owner` `rtype` `ttl` `rdatas`.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub owner: &'a Name,
    pub rtype: u16,
    pub ttl: u32,
    pub rdatas: &'a [Vec<u8>],
    pub key: usize,
}

/// The threads to sign with: the machine's cores, fewer for little work.
pub fn threads_for(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(jobs.div_ceil(64)).max(1)
}

/// Makes every job's RRSIG rdata, in the jobs' order.
pub fn sign_all(
    jobs: &[Job<'_>],
    keys: &[StoredKey],
    validity: Validity<'_>,
) -> Result<Vec<Vec<u8>>, SignError> {
    let threads = threads_for(jobs.len());
    let share = jobs.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<Vec<u8>>, SignError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(share)
            .map(|chunk| scope.spawn(move || sign_chunk(chunk, keys, validity)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(jobs.len());
    for part in results {
        out.extend(part?);
    }
    Ok(out)
}

fn sign_chunk(
    jobs: &[Job<'_>],
    keys: &[StoredKey],
    validity: Validity<'_>,
) -> Result<Vec<Vec<u8>>, SignError> {
    let mut scratch = SignScratch::default();
    jobs.iter()
        .map(|job| {
            let header = RrsetHeader {
                owner: job.owner,
                class: CLASS_IN,
                rtype: job.rtype,
                ttl: job.ttl,
            };
            keys[job.key].signer().sign(
                &header,
                job.rdatas.iter().map(Vec::as_slice),
                validity,
                &mut scratch,
            )
        })
        .collect()
}
