//! A run's mergeable state in bytes: what a shard of a run writes so that
//! `merge` can join shards into exactly the numbers of the unsharded run.
//! Integer counts (sketch buckets, targets met) merge in any order; each
//! block's floating-point sums are kept apart and folded in block order.
//!
//! Layout (little-endian): magic, the block range, counts (per metric value:
//! count, zeros, min, max, buckets), targets met, all met, the histograms of
//! the count met, clamped draws, then
//! per block its sums; last, a SHA-256 of everything before it.

use super::{BlockSums, CountState};
use crate::stats::{Moments, QuantileSketch};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 12] = b"XSIMSTATE\x00\x00\x03";

/// The state of one shard: its blocks' sums (in order) and its counts.
#[derive(Clone, Debug)]
pub(crate) struct ShardState {
    pub first_block: u64,
    pub blocks: Vec<BlockSums>,
    pub counts: CountState,
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let slice = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or("the state file is truncated")?;
        self.at += n;
        Ok(slice)
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "bad length")?,
        ))
    }
    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "bad length")?,
        ))
    }
    fn len(&mut self, limit: u64) -> Result<usize, String> {
        let n = self.u64()?;
        if n > limit {
            return Err(format!(
                "the state file claims {n} entries where at most {limit} fit; it is damaged"
            ));
        }
        Ok(n as usize)
    }
}

impl ShardState {
    /// The state as bytes, ending with their SHA-256.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(MAGIC.to_vec());
        w.u64(self.first_block);
        w.u64(self.blocks.len() as u64);
        let c = &self.counts;
        w.u64(c.sketches.len() as u64);
        for sketch in &c.sketches {
            w.u64(sketch.count());
            w.u64(sketch.zeros());
            w.f64(sketch.min());
            w.f64(sketch.max());
            let buckets = sketch.buckets();
            w.u64(buckets.len() as u64);
            for (key, count) in buckets {
                w.u64(u64::from(key));
                w.u64(count);
            }
        }
        for list in [&c.met, &c.all_met, &c.met_histogram] {
            w.u64(list.len() as u64);
            list.iter().for_each(|v| w.u64(*v));
        }
        w.u64(c.clamped_draws);
        for block in &self.blocks {
            w.u64(block.paths);
            for list in [&block.met, &block.all_met] {
                w.u64(list.len() as u64);
                list.iter().for_each(|v| w.u64(*v));
            }
            w.u64(block.moments.len() as u64);
            for m in &block.moments {
                w.u64(m.count);
                w.f64(m.sum);
                w.f64(m.sum_squares);
            }
            w.u64(block.shortfall.len() as u64);
            block.shortfall.iter().for_each(|v| w.f64(*v));
        }
        let digest = Sha256::digest(&w.0);
        w.0.extend_from_slice(&digest);
        w.0
    }

    /// Reads a state written by [`to_bytes`](Self::to_bytes), checking its digest.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < MAGIC.len() + 32 || &bytes[..MAGIC.len()] != MAGIC {
            return Err("it is not a xuhui-sim shard state (or from another version)".into());
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            return Err("its checksum does not match: the file was truncated or edited".into());
        }
        let limit = body.len() as u64;
        let mut r = Reader {
            bytes: body,
            at: MAGIC.len(),
        };
        let first_block = r.u64()?;
        let block_count = r.len(limit)?;
        let values = r.len(limit)?;
        let mut sketches = Vec::with_capacity(values);
        for _ in 0..values {
            let (count, zeros, min, max) = (r.u64()?, r.u64()?, r.f64()?, r.f64()?);
            let n = r.len(limit)?;
            let mut buckets = Vec::with_capacity(n);
            for _ in 0..n {
                let key = u32::try_from(r.u64()?).map_err(|_| "a bucket key is out of range")?;
                buckets.push((key, r.u64()?));
            }
            sketches.push(QuantileSketch::from_parts(count, zeros, min, max, &buckets));
        }
        let mut lists = Vec::new();
        for _ in 0..3 {
            let n = r.len(limit)?;
            lists.push((0..n).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?);
        }
        let met_histogram = lists.pop().unwrap_or_default();
        let all_met = lists.pop().unwrap_or_default();
        let met = lists.pop().unwrap_or_default();
        let clamped_draws = r.u64()?;
        let mut blocks = Vec::with_capacity(block_count);
        for _ in 0..block_count {
            let paths = r.u64()?;
            let mut block_lists = Vec::new();
            for _ in 0..2 {
                let n = r.len(limit)?;
                block_lists.push((0..n).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?);
            }
            let block_all_met = block_lists.pop().unwrap_or_default();
            let block_met = block_lists.pop().unwrap_or_default();
            let n = r.len(limit)?;
            let moments = (0..n)
                .map(|_| {
                    Ok(Moments {
                        count: r.u64()?,
                        sum: r.f64()?,
                        sum_squares: r.f64()?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            let n = r.len(limit)?;
            let shortfall = (0..n).map(|_| r.f64()).collect::<Result<Vec<_>, _>>()?;
            blocks.push(BlockSums {
                paths,
                moments,
                shortfall,
                met: block_met,
                all_met: block_all_met,
                batches: Default::default(),
            });
        }
        Ok(ShardState {
            first_block,
            blocks,
            counts: CountState {
                sketches,
                met,
                all_met,
                met_histogram,
                clamped_draws,
            },
        })
    }
}
