//! The sketch's fast storage: flat 8-bit counters over one range of buckets on
//! each side of zero, chosen from one batch of values to cover its bulk.
//!
//! Counting a value there is a few arithmetic instructions and one byte
//! increment, with no pointer to follow, and the counters of a metric take a
//! quarter of the bytes 32-bit counters would: what keeps the counts of all of
//! a path's metrics in cache. A counter that wraps past 255 carries into a
//! 32-bit array allocated on the first carry.

/// Widest range on each side, in buckets: 2^16 buckets span 8 binades (values
/// from `x` to `256 x`).
pub(crate) const SIDE_BUCKETS: u32 = 1 << 16;
/// Least number of a batch's sampled values on one side of zero for that
/// side to get a range: 16 of about a thousand (1.6 %). With 64, a growth
/// rate below zero on one path in 50 got no range, and its values (tens of
/// thousands at 10^6 paths, over a dozen binades) filled pages.
const SIDE_SAMPLE: usize = 16;
/// Ordered keys of -0.0 and +0.0 (their buckets also hold the subnormals
/// nearest zero); no range covers them, so exact zeros stay apart.
pub(crate) const NEGATIVE_ZERO_KEY: u32 = (1 << 24) - 1;
pub(crate) const POSITIVE_ZERO_KEY: u32 = 1 << 24;

/// How many values ahead the counting loop asks for a counter's cache line.
const PREFETCH_AHEAD: usize = 64;

/// Dense counters over at most one range of ordered bucket keys per sign.
#[derive(Clone, Debug, Default)]
pub(crate) struct Window {
    /// For each side (0: negative values, 1: positive values): the ordered key
    /// of its first bucket, its number of buckets and where its counters start.
    first: [u32; 2],
    len: [u32; 2],
    offset: [u32; 2],
    low: Vec<u8>,
    /// Units of 256 for each counter; empty until a counter first wraps.
    carries: Vec<u32>,
    /// Scratch: the counter index of each value of a batch.
    indices: Vec<u32>,
}

impl Window {
    /// Whether the ranges are still to be chosen (see [`open`](Self::open)).
    pub(crate) fn is_empty(&self) -> bool {
        self.low.is_empty()
    }

    /// Chooses the ranges from a batch of ordered keys (sorted here): on each
    /// side of zero with enough of them, the range of at most [`SIDE_BUCKETS`]
    /// buckets that holds the most keys, widened by half its span on each side
    /// (within the limit) for the values still to come.
    pub(crate) fn open(keys: &mut [u32]) -> Window {
        keys.sort_unstable();
        let split = keys.partition_point(|&k| k <= NEGATIVE_ZERO_KEY);
        let (negative, positive) = keys.split_at(split);
        let mut window = Window::default();
        let mut total = 0;
        for (side, side_keys) in [negative, positive].into_iter().enumerate() {
            let Some((first, last)) = densest_range(side_keys) else {
                continue;
            };
            // Keep off the buckets of zero.
            let (first, last) = if side == 0 {
                (first, last.min(NEGATIVE_ZERO_KEY - 1))
            } else {
                (first.max(POSITIVE_ZERO_KEY + 1), last)
            };
            if last < first {
                continue;
            }
            window.first[side] = first;
            window.len[side] = last - first + 1;
            window.offset[side] = total;
            total += last - first + 1;
        }
        // One spare counter past the ranges, never counted (see `add_all`).
        window.low = vec![0; total as usize + 1];
        window
    }

    #[cfg(test)]
    /// Counts the value of ordered key `key` if it is in range; returns
    /// whether it was.
    pub(crate) fn add(&mut self, key: u32) -> bool {
        self.add_count(key, 1)
    }

    /// Counts every value of `values` whose ordered key is in range, and
    /// appends the positions of the others to `outside`.
    ///
    /// Two passes: the counter index of every value first (branch-free, in
    /// vector registers; out-of-range values point at a spare counter past the
    /// end), then the increments.
    pub(crate) fn add_all(&mut self, values: &[f64], outside: &mut Vec<u32>) {
        if self.low.is_empty() {
            outside.extend(0..values.len() as u32);
            return;
        }
        let spare = self.low.len() as u32 - 1;
        self.indices.resize(values.len(), 0);
        let ranges = Ranges {
            first: self.first,
            len: self.len,
            offset: self.offset,
            spare,
        };
        ranges.indices(values, &mut self.indices);
        let mut wrapped = Vec::new();
        let low = self.low.as_mut_slice();
        for (position, &index) in self.indices.iter().enumerate() {
            #[cfg(target_arch = "x86_64")]
            if let Some(&ahead) = self.indices.get(position + PREFETCH_AHEAD) {
                // SAFETY: a prefetch is a hint; it never faults, whatever the address.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>(low.as_ptr().wrapping_add(ahead as usize).cast());
                }
            }
            if index == spare {
                outside.push(position as u32);
                continue;
            }
            if let Some(counter) = low.get_mut(index as usize) {
                *counter = counter.wrapping_add(1);
                if *counter == 0 {
                    wrapped.push(index as usize);
                }
            }
        }
        for index in wrapped {
            self.carry(index);
        }
    }

    #[inline(never)]
    fn carry(&mut self, index: usize) {
        if self.carries.is_empty() {
            self.carries = vec![0; self.low.len()];
        }
        self.carries[index] += 1;
    }

    /// Each side's range as (ordered key of its first bucket, its 8-bit
    /// counters, their carries if any counter ever wrapped).
    pub(crate) fn sides(&self) -> impl Iterator<Item = (u32, &[u8], Option<&[u32]>)> + '_ {
        (0..2).filter(|&side| self.len[side] > 0).map(move |side| {
            let start = self.offset[side] as usize;
            let end = start + self.len[side] as usize;
            let carries = (!self.carries.is_empty()).then(|| &self.carries[start..end]);
            (self.first[side], &self.low[start..end], carries)
        })
    }

    /// Adds `count` to the counter of ordered key `key` if it is in range;
    /// returns whether it was (for tests: [`merge_from`](Self::merge_from)
    /// adds in bulk).
    #[cfg(test)]
    pub(crate) fn add_count(&mut self, key: u32, count: u64) -> bool {
        let side = (key >> 24) as usize & 1;
        let local = key.wrapping_sub(self.first[side]);
        if local >= self.len[side] {
            return false;
        }
        let index = (self.offset[side] + local) as usize;
        let carried = self.carries.get(index).map_or(0, |&c| u64::from(c));
        let Some(counter) = self.low.get_mut(index) else {
            return false;
        };
        let total = u64::from(*counter) + (carried << 8) + count;
        // Beyond 2^40 a count goes to the pages instead (never at 4e9 paths).
        let Ok(carries) = u32::try_from(total >> 8) else {
            return false;
        };
        *counter = (total & 0xff) as u8;
        if carries > 0 && self.carries.is_empty() {
            self.carries = vec![0; self.low.len()];
        }
        if let Some(carry) = self.carries.get_mut(index) {
            *carry = carries;
        }
        true
    }

    /// Adds the counts of `other` into this window: counter by counter, in
    /// bulk, where `other`'s ranges overlap this window's (merging two
    /// threads' windows, which cover nearly the same buckets); `outside` gets
    /// every non-empty bucket of `other` beyond them as (ordered key, count).
    /// Exact, like every merge of counts.
    pub(crate) fn merge_from(&mut self, other: &Window, mut outside: impl FnMut(u32, u64)) {
        for side in 0..2 {
            let (first, len) = (other.first[side], other.len[side]);
            if len == 0 {
                continue;
            }
            // The overlap, in `other`'s counters of this side: [start, end).
            let (own_first, own_len) = (self.first[side], self.len[side]);
            let low_key = first.max(own_first);
            let high_key =
                (u64::from(first) + u64::from(len)).min(u64::from(own_first) + u64::from(own_len));
            let (start, end) = if own_len > 0 && u64::from(low_key) < high_key {
                (low_key - first, (high_key - u64::from(first)) as u32)
            } else {
                (len, len)
            };
            other.visit_side(side, 0..start, &mut outside);
            if start < end {
                let from = (other.offset[side] + start) as usize;
                let to = (self.offset[side] + (low_key - own_first)) as usize;
                let count = (end - start) as usize;
                let carries =
                    (!other.carries.is_empty()).then(|| &other.carries[from..from + count]);
                self.add_counters(to, &other.low[from..from + count], carries);
            }
            other.visit_side(side, end..len, &mut outside);
        }
    }

    /// Adds 8-bit counters (and their carries) to this window's counters
    /// from index `to` on: 64 at a time, with no carry to handle unless one
    /// of the 64 sums passes 255. Carries cannot overflow: a run counts at
    /// most [`MAX_PATHS`](crate::engine::MAX_PATHS) (4e9) values a metric,
    /// 1.6e7 carries of 256 at most.
    fn add_counters(&mut self, to: usize, low: &[u8], carries: Option<&[u32]>) {
        const CHUNK: usize = 64;
        let mut wrapped = Vec::new();
        for (chunk_index, source) in low.chunks(CHUNK).enumerate() {
            let at = to + chunk_index * CHUNK;
            let target = &mut self.low[at..at + source.len()];
            let overflows = target.iter().zip(source).fold(false, |any, (&t, &s)| {
                any | (u16::from(t) + u16::from(s) > 255)
            });
            if overflows {
                for (offset, (t, &s)) in target.iter_mut().zip(source).enumerate() {
                    let (sum, wrap) = t.overflowing_add(s);
                    *t = sum;
                    if wrap {
                        wrapped.push(at + offset);
                    }
                }
            } else {
                for (t, &s) in target.iter_mut().zip(source) {
                    *t += s;
                }
            }
        }
        for index in wrapped {
            self.carry(index);
        }
        let Some(carries) = carries else { return };
        for (chunk_index, source) in carries.chunks(CHUNK).enumerate() {
            if source.iter().all(|&c| c == 0) {
                continue;
            }
            if self.carries.is_empty() {
                self.carries = vec![0; self.low.len()];
            }
            let at = to + chunk_index * CHUNK;
            for (t, &s) in self.carries[at..at + source.len()].iter_mut().zip(source) {
                *t += s;
            }
        }
    }

    /// Calls `visit` with every non-empty counter of side `side` whose place
    /// in the side is in `places`, as (ordered key, count).
    fn visit_side(
        &self,
        side: usize,
        places: std::ops::Range<u32>,
        visit: &mut impl FnMut(u32, u64),
    ) {
        let offset = self.offset[side] as usize;
        for place in places {
            let index = offset + place as usize;
            let units = self.carries.get(index).map_or(0, |&c| u64::from(c));
            let count = u64::from(self.low[index]) + (units << 8);
            if count > 0 {
                visit(self.first[side] + place, count);
            }
        }
    }

    /// Calls `visit` with every non-empty bucket as (ordered key, count), in
    /// key order (for tests).
    #[cfg(test)]
    pub(crate) fn for_each_count(&self, mut visit: impl FnMut(u32, u64)) {
        let carried = !self.carries.is_empty();
        for side in 0..2 {
            let offset = self.offset[side] as usize;
            let len = self.len[side] as usize;
            let low = &self.low[offset..offset + len];
            // Eight counters at a time: much of a window can be empty.
            for (chunk_index, chunk) in low.chunks(8).enumerate() {
                let word = <[u8; 8]>::try_from(chunk).map_or(1, u64::from_ne_bytes);
                if word == 0 && !carried {
                    continue;
                }
                for (within, &counter) in chunk.iter().enumerate() {
                    let local = chunk_index * 8 + within;
                    let carries = self
                        .carries
                        .get(offset + local)
                        .map_or(0, |&c| u64::from(c));
                    let count = u64::from(counter) + (carries << 8);
                    if count > 0 {
                        visit(self.first[side] + local as u32, count);
                    }
                }
            }
        }
    }

    /// Whether every counter is zero.
    pub(crate) fn is_clear(&self) -> bool {
        self.low.iter().all(|&c| c == 0) && self.carries.iter().all(|&c| c == 0)
    }

    /// The ranges, as (first ordered key, buckets) per side (for tests).
    #[cfg(test)]
    pub(crate) fn ranges(&self) -> [(u32, u32); 2] {
        [(self.first[0], self.len[0]), (self.first[1], self.len[1])]
    }
}

/// What the index pass needs of a window's ranges.
#[derive(Clone, Copy)]
struct Ranges {
    first: [u32; 2],
    len: [u32; 2],
    offset: [u32; 2],
    /// The spare counter's index, for values out of range.
    spare: u32,
}

impl Ranges {
    /// The counter index of each value (`spare` when out of range), with
    /// AVX2 when the processor has it (four values per instruction instead of
    /// two; checked at run time, so the binary runs on any x86-64).
    fn indices(self, values: &[f64], indices: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor was just found to support AVX2, the only
            // requirement of the function beyond its (safe) signature.
            unsafe { self.indices_avx2(values, indices) };
            return;
        }
        self.indices_portable(values, indices);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn indices_avx2(self, values: &[f64], indices: &mut [u32]) {
        self.indices_portable(values, indices);
    }

    #[inline(always)]
    fn indices_portable(self, values: &[f64], indices: &mut [u32]) {
        let [first_negative, first_positive] = self.first;
        let [len_negative, len_positive] = self.len;
        let [offset_negative, offset_positive] = self.offset;
        for (index, &value) in indices.iter_mut().zip(values) {
            let key = super::ordered_key(value);
            let positive = key >= POSITIVE_ZERO_KEY;
            let first = if positive {
                first_positive
            } else {
                first_negative
            };
            let len = if positive { len_positive } else { len_negative };
            let offset = if positive {
                offset_positive
            } else {
                offset_negative
            };
            let local = key.wrapping_sub(first);
            *index = if local < len {
                offset + local
            } else {
                self.spare
            };
        }
    }
}

/// Of sorted keys, the range of at most [`SIDE_BUCKETS`] buckets holding the
/// most, widened by half its span on each side within the limit; `None` for
/// fewer than [`SIDE_SAMPLE`] keys.
fn densest_range(keys: &[u32]) -> Option<(u32, u32)> {
    if keys.len() < SIDE_SAMPLE {
        return None;
    }
    let (mut best, mut best_start, mut start) = (0, 0, 0);
    for end in 0..keys.len() {
        while keys[end] - keys[start] >= SIDE_BUCKETS {
            start += 1;
        }
        if end + 1 - start > best {
            best = end + 1 - start;
            best_start = start;
        }
    }
    let low = keys[best_start];
    let high = keys[best_start + best - 1];
    let span = high - low + 1;
    let margin = (span / 2).min((SIDE_BUCKETS - span) / 2);
    Some((low.saturating_sub(margin), high.saturating_add(margin)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_carry_past_255_and_come_out_in_key_order() {
        let mut keys: Vec<u32> = (0..100).map(|i| POSITIVE_ZERO_KEY + 1000 + i).collect();
        keys.extend((0..100).map(|i| NEGATIVE_ZERO_KEY - 1000 - i));
        let mut window = Window::open(&mut keys);
        for _ in 0..1000 {
            assert!(window.add(POSITIVE_ZERO_KEY + 1050));
        }
        assert!(window.add(NEGATIVE_ZERO_KEY - 1050));
        assert!(
            !window.add(POSITIVE_ZERO_KEY),
            "zero's bucket is never in range"
        );
        assert!(!window.add(NEGATIVE_ZERO_KEY));
        assert!(!window.add(POSITIVE_ZERO_KEY + 1_000_000));
        assert!(!window.is_clear());
        let mut counts = Vec::new();
        window.for_each_count(|key, count| counts.push((key, count)));
        assert_eq!(
            counts,
            vec![
                (NEGATIVE_ZERO_KEY - 1050, 1),
                (POSITIVE_ZERO_KEY + 1050, 1000)
            ]
        );
    }

    /// Bulk merging gives the counts that adding `other`'s counts one by one
    /// gives, for windows whose ranges overlap in part, with carries on
    /// either side, sums that wrap and counts outside the target's ranges.
    #[test]
    fn bulk_merge_equals_merging_count_by_count() {
        let open = |shift: u32| {
            let mut keys: Vec<u32> = (0..300)
                .map(|i| POSITIVE_ZERO_KEY + 5_000 + shift + 3 * i)
                .chain((0..300).map(|i| NEGATIVE_ZERO_KEY - 9_000 - shift - 2 * i))
                .collect();
            Window::open(&mut keys)
        };
        let (mut target, mut other) = (open(0), open(700));
        for (i, key) in (0..5_000u32)
            .map(|i| POSITIVE_ZERO_KEY + 4_800 + (i * 7) % 2_000)
            .chain((0..3_000).map(|i| NEGATIVE_ZERO_KEY - 8_500 - (i * 13) % 2_500))
            .enumerate()
        {
            // Repeats past 255 in both windows, so both carry.
            let repeats = if i % 97 == 0 { 300 } else { 1 + (i as u64 % 3) };
            target.add_count(key, repeats);
            other.add_count(key + 40, repeats + 1);
        }
        let mut expected = target.clone();
        let mut expected_outside = Vec::new();
        other.for_each_count(|key, count| {
            if !expected.add_count(key, count) {
                expected_outside.push((key, count));
            }
        });
        let mut outside = Vec::new();
        target.merge_from(&other, |key, count| outside.push((key, count)));
        let counts = |w: &Window| {
            let mut all = Vec::new();
            w.for_each_count(|key, count| all.push((key, count)));
            all
        };
        assert!(!target.carries.is_empty() && !other.carries.is_empty());
        assert_eq!(counts(&target), counts(&expected));
        outside.sort_unstable();
        expected_outside.sort_unstable();
        assert!(!outside.is_empty());
        assert_eq!(outside, expected_outside);
    }

    #[test]
    fn a_side_with_few_values_gets_no_range() {
        let mut keys: Vec<u32> = (0..500).map(|i| POSITIVE_ZERO_KEY + 7 * i + 1).collect();
        keys.extend([NEGATIVE_ZERO_KEY - 5; 10]);
        let window = Window::open(&mut keys);
        let [negative, positive] = window.ranges();
        assert_eq!(negative.1, 0);
        assert!(
            positive.1 >= 3500 && positive.1 <= SIDE_BUCKETS,
            "{positive:?}"
        );
    }
}
