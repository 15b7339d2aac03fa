//! A quantile sketch with exact merges and a relative error below 1e-4.
//!
//! Values are counted in fixed buckets read straight off their IEEE-754 bits:
//! the sign, the 11 exponent bits and the top 13 mantissa bits name the bucket.
//! Each bucket spans a relative width of at most 2^-13 of its lower end, and its
//! midpoint is within 2^-14 ≈ 6.1e-5 (relative) of every value in it. Exact
//! zeros have a count of their own. Counts are integers, so two sketches merge
//! by adding counts: the result does not depend on how the paths were split
//! between threads, blocks or machines, nor on the order of merging.
//!
//! Quantiles follow the sample-quantile definition of Hyndman & Fan's type 7
//! (NumPy's default): with sorted values `x_0..x_{n-1}` and `h = (n-1) q`,
//! `Q(q) = x_⌊h⌋ + (h - ⌊h⌋)(x_⌊h⌋+1 - x_⌊h⌋)`, each order statistic replaced by
//! its bucket's midpoint (clamped to the observed minimum and maximum). Since
//! both order statistics are within 6.1e-5 of their midpoints, so is `Q(q)` when
//! they share a sign.
//!
//! Storage has two parts. The *window* ([`window`]) holds flat 8-bit counters
//! over one range of buckets on each side of zero, chosen from the batch after
//! the first 1024 values to cover its bulk (at most 2^16 buckets a side): adding a value
//! there is a few instructions and one byte increment, which is what lets the
//! engine sketch every metric of every path at about a nanosecond a value.
//! Until a sketch has more than 1024 values they wait as they are (*pending*),
//! so a small run needs no window and a large one's first values need no
//! pages. Everything else (the tails, exact zeros, values added one at a time)
//! goes to lazy *pages*, two levels deep: a table of
//! 4096 (sign, exponent) entries points to binades of 128 pages of 64 16-bit
//! counters (with carries), and a page exists only once a value fell in it.
//! Pages are small because what they hold is sparse: a growth rate's values
//! near zero spread over a dozen binades, a few to a page.
//! Where a count is kept never changes what it is, so the quantiles and merges
//! are the same as with one storage alone.

mod window;

use window::Window;

/// Values a sketch holds pending before it opens a window: one sub-block of
/// the engine (1,024 paths). Until issue 18 they went to pages, which at
/// 10^6 paths left each thread 21 MB of pages holding a thousand values a
/// metric; held as they are, they cost 8 KB a metric.
const WINDOW_AFTER: u64 = 1024;

const MANTISSA_BITS: u32 = 13;
const BUCKET_SHIFT: u32 = 52 - MANTISSA_BITS;
/// Buckets per page, as a power of two: 64 (136 bytes a page). In a run of
/// the baseline at 10^6 paths on two threads, pages of 512 held 35 MB, pages
/// of 64 22 MB (measured with valgrind's massif).
const PAGE_BITS: u32 = 6;
const PAGE_SIZE: usize = 1 << PAGE_BITS;
const PAGES_PER_BINADE: usize = 1 << (MANTISSA_BITS - PAGE_BITS);
const BINADES: usize = 1 << 12;
/// The bucket of `value` as a key that increases with the value: the top 25
/// bits of its IEEE-754 bits with the sign bit set for positive values and
/// every bit flipped for negative ones.
#[inline(always)]
fn ordered_key(value: f64) -> u32 {
    let bits = value.to_bits();
    let flip = (((bits as i64) >> 63) as u64) | (1 << 63);
    ((bits ^ flip) >> BUCKET_SHIFT) as u32
}

/// The least and greatest of finite values (+inf and -inf when empty), in
/// eight independent lanes so that the comparisons run in vector registers
/// instead of one long dependency chain.
fn min_max(values: &[f64]) -> (f64, f64) {
    const LANES: usize = 8;
    let mut min = [f64::INFINITY; LANES];
    let mut max = [f64::NEG_INFINITY; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for lane in 0..LANES {
            min[lane] = if chunk[lane] < min[lane] {
                chunk[lane]
            } else {
                min[lane]
            };
            max[lane] = if chunk[lane] > max[lane] {
                chunk[lane]
            } else {
                max[lane]
            };
        }
    }
    let (mut least, mut greatest) = (f64::INFINITY, f64::NEG_INFINITY);
    for &value in min.iter().chain(chunks.remainder()) {
        least = least.min(value);
    }
    for &value in max.iter().chain(chunks.remainder()) {
        greatest = greatest.max(value);
    }
    (least, greatest)
}

/// The bucket key (top 25 bits of the IEEE-754 bits) of an ordered key.
#[inline]
fn raw_key(ordered: u32) -> u32 {
    if ordered >= window::POSITIVE_ZERO_KEY {
        ordered - window::POSITIVE_ZERO_KEY
    } else {
        !ordered & ((1 << 25) - 1)
    }
}

/// 64 counters: 16-bit, with a lazily allocated array of carries (units of
/// 65,536) for the few buckets that overflow, which halves the memory of the
/// common case.
#[derive(Clone, Debug)]
struct Page {
    low: [u16; PAGE_SIZE],
    carries: Option<Box<[u32; PAGE_SIZE]>>,
}

impl Page {
    fn new() -> Self {
        Page {
            low: [0; PAGE_SIZE],
            carries: None,
        }
    }

    #[inline]
    fn increment(&mut self, bucket: usize) {
        let low = &mut self.low[bucket];
        if *low == u16::MAX {
            *low = 0;
            self.carries.get_or_insert_with(|| Box::new([0; PAGE_SIZE]))[bucket] += 1;
        } else {
            *low += 1;
        }
    }

    fn count(&self, bucket: usize) -> u64 {
        let carries = self.carries.as_ref().map_or(0, |c| u64::from(c[bucket]));
        u64::from(self.low[bucket]) + (carries << 16)
    }

    /// Adds every count of `other`: 16-bit lanes at once when neither page
    /// has carries and no sum overflows, bucket by bucket otherwise.
    fn merge_from(&mut self, other: &Page) {
        if self.carries.is_none() && other.carries.is_none() {
            let mut sums = [0u32; PAGE_SIZE];
            for ((sum, &a), &b) in sums.iter_mut().zip(&self.low).zip(&other.low) {
                *sum = u32::from(a) + u32::from(b);
            }
            if sums.iter().all(|&sum| sum <= u32::from(u16::MAX)) {
                for (low, sum) in self.low.iter_mut().zip(sums) {
                    *low = sum as u16;
                }
                return;
            }
        }
        for bucket in 0..PAGE_SIZE {
            let count = other.count(bucket);
            if count > 0 {
                self.add(bucket, count);
            }
        }
    }

    /// Adds a window's run of counters (8 bits, plus carries in units of
    /// 256) to the buckets from `start` upwards, or downwards.
    fn add_run(&mut self, start: usize, descending: bool, low: &[u8], carries: Option<&[u32]>) {
        // The usual case, 8-bit counts into 16-bit ones that cannot wrap: a
        // loop without branches, which the compiler vectorizes.
        if carries.is_none() && self.carries.is_none() {
            let buckets = if descending {
                &mut self.low[start + 1 - low.len()..=start]
            } else {
                &mut self.low[start..start + low.len()]
            };
            let room = u16::MAX - u16::from(u8::MAX);
            if buckets.iter().all(|&c| c <= room) {
                if descending {
                    for (bucket, &counter) in buckets.iter_mut().rev().zip(low) {
                        *bucket += u16::from(counter);
                    }
                } else {
                    for (bucket, &counter) in buckets.iter_mut().zip(low) {
                        *bucket += u16::from(counter);
                    }
                }
                return;
            }
        }
        for (step, &counter) in low.iter().enumerate() {
            let count = u64::from(counter) + carries.map_or(0, |c| u64::from(c[step]) << 8);
            if count == 0 {
                continue;
            }
            let bucket = if descending {
                start - step
            } else {
                start + step
            };
            let total = u64::from(self.low[bucket]) + count;
            if total <= u64::from(u16::MAX) && self.carries.is_none() {
                self.low[bucket] = total as u16;
            } else {
                self.add(bucket, count);
            }
        }
    }

    /// Sum of the page's counts.
    fn total(&self) -> u64 {
        let low: u64 = self.low.iter().map(|&c| u64::from(c)).sum();
        let carries: u64 = self
            .carries
            .as_ref()
            .map_or(0, |c| c.iter().map(|&c| u64::from(c)).sum());
        low + (carries << 16)
    }

    /// The non-empty buckets as (index, count), upwards or downwards.
    fn buckets(&self, descending: bool) -> impl Iterator<Item = (usize, u64)> + '_ {
        let order: Box<dyn Iterator<Item = usize>> = if descending {
            Box::new((0..PAGE_SIZE).rev())
        } else {
            Box::new(0..PAGE_SIZE)
        };
        order
            .map(move |i| (i, self.count(i)))
            .filter(|&(_, count)| count > 0)
    }

    fn add(&mut self, bucket: usize, count: u64) {
        let total = self.count(bucket) + count;
        self.low[bucket] = (total & 0xffff) as u16;
        let carries = (total >> 16) as u32;
        if carries > 0 || self.carries.is_some() {
            self.carries.get_or_insert_with(|| Box::new([0; PAGE_SIZE]))[bucket] = carries;
        }
    }
}

/// One stretch of a sketch's counts in value order (see `ascending_parts`).
enum Part<'a> {
    Zeros(u64),
    Page {
        page: &'a Page,
        /// Bucket key of the page's first bucket.
        first_key: u64,
        descending: bool,
    },
}

/// Counts of values in fixed relative-width buckets; see the module docs.
#[derive(Clone, Debug)]
pub struct QuantileSketch {
    /// For each (sign, exponent): 1 + index into `binades`, or 0.
    binade_of: Vec<u32>,
    /// For each binade in use: 1 + index into `pages` for each of its pages, or 0.
    binades: Vec<[u32; PAGES_PER_BINADE]>,
    pages: Vec<Page>,
    /// The fast counters in front of the pages.
    window: Window,
    /// Values added before the window opened, not yet counted anywhere (at
    /// most [`WINDOW_AFTER`] from adding; a merge may add more).
    pending: Vec<f64>,
    /// Scratch, reused batch after batch: positions of a batch's values
    /// outside the window.
    outside: Vec<u32>,
    zeros: u64,
    count: u64,
    min: f64,
    max: f64,
}

impl Default for QuantileSketch {
    fn default() -> Self {
        Self::new()
    }
}

impl QuantileSketch {
    /// An empty sketch.
    pub(crate) fn new() -> Self {
        QuantileSketch {
            binade_of: vec![0; BINADES],
            binades: Vec::new(),
            pages: Vec::new(),
            window: Window::default(),
            pending: Vec::new(),
            outside: Vec::new(),
            zeros: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Whether the sketch has a window open (its fast counters).
    pub(crate) fn has_window(&self) -> bool {
        !self.window.is_empty()
    }

    /// Number of values added.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Smallest value added (+inf when empty).
    pub(crate) fn min(&self) -> f64 {
        self.min
    }

    /// Largest value added (-inf when empty).
    pub(crate) fn max(&self) -> f64 {
        self.max
    }

    #[cfg(test)]
    /// Adds a finite value. Non-finite values are a bug upstream and are ignored
    /// (the model never produces them; debug builds assert).
    #[inline]
    pub(crate) fn add(&mut self, value: f64) {
        debug_assert!(value.is_finite(), "non-finite value in a sketch");
        if !value.is_finite() {
            return;
        }
        self.count += 1;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        if !self.window.add(ordered_key(value)) {
            self.add_to_pages(value);
        }
    }

    /// Counts a value outside the window: an exact zero or a page bucket.
    #[inline(never)]
    fn add_to_pages(&mut self, value: f64) {
        if value == 0.0 {
            self.zeros += 1;
            return;
        }
        let bits = value.to_bits();
        let bucket = ((bits >> BUCKET_SHIFT) as usize) & (PAGE_SIZE - 1);
        self.page_mut(bits).increment(bucket);
    }

    /// Adds many finite values; faster than [`add`](Self::add) one by one
    /// (the count, minimum and maximum are updated once).
    pub(crate) fn add_all(&mut self, values: &[f64]) {
        debug_assert!(
            values.iter().all(|v| v.is_finite()),
            "non-finite value in a sketch"
        );
        let (min, max) = min_max(values);
        self.min = self.min.min(min);
        self.max = self.max.max(max);
        self.count += values.len() as u64;
        if self.window.is_empty() {
            // Runs too small to repay a window's memory never open one.
            if self.count <= WINDOW_AFTER {
                self.pending.extend_from_slice(values);
                return;
            }
            self.open_window(values);
        }
        self.count_values(values);
    }

    /// Opens the window on about a thousand of the pending values and
    /// `values`, then counts the pending values.
    fn open_window(&mut self, values: &[f64]) {
        let total = self.pending.len() + values.len();
        let mut keys: Vec<u32> = self
            .pending
            .iter()
            .chain(values)
            .step_by((total / 1024).max(1))
            .filter(|v| **v != 0.0)
            .map(|&v| ordered_key(v))
            .collect();
        self.window = Window::open(&mut keys);
        let pending = std::mem::take(&mut self.pending);
        self.count_values(&pending);
    }

    /// Counts `values` in the window, or where out of its range in the pages
    /// (the count, minimum and maximum are the caller's).
    fn count_values(&mut self, values: &[f64]) {
        let mut outside = std::mem::take(&mut self.outside);
        outside.clear();
        self.window.add_all(values, &mut outside);
        for &position in &outside {
            self.add_to_pages(values[position as usize]);
        }
        self.outside = outside;
    }

    /// Moves the window's counts into the pages and closes the window (a
    /// later batch opens a new one).
    /// Nothing a query returns changes; call it when the adding is done, so
    /// that queries and merges need not work on a settled copy.
    pub(crate) fn settle(&mut self) {
        for value in std::mem::take(&mut self.pending) {
            self.add_to_pages(value);
        }
        let window = std::mem::take(&mut self.window);
        for (first, low, carries) in window.sides() {
            // A side runs through consecutive buckets: upwards for positive
            // values, downwards for negative ones (their ordered keys are
            // flipped). Cut it where pages begin and add each piece to its
            // page in one go.
            let mut at = 0;
            while at < low.len() {
                let ordered = first + at as u32;
                let key = raw_key(ordered);
                let bucket = (key as usize) & (PAGE_SIZE - 1);
                let descending = ordered < window::POSITIVE_ZERO_KEY;
                let room = if descending {
                    bucket + 1
                } else {
                    PAGE_SIZE - bucket
                };
                let end = (at + room).min(low.len());
                let counts = &low[at..end];
                let carried = carries.map(|c| &c[at..end]);
                // OR-folds rather than `all`: without an early exit they
                // vectorize, and most pieces of a window are empty.
                let empty = counts.iter().fold(0, |any, &c| any | c) == 0
                    && carried.is_none_or(|c| c.iter().fold(0, |any, &c| any | c) == 0);
                if !empty {
                    let bits = u64::from(key) << BUCKET_SHIFT;
                    self.page_mut(bits)
                        .add_run(bucket, descending, counts, carried);
                }
                at = end;
            }
        }
    }

    /// A copy with every count in the pages, for the queries.
    fn settled(&self) -> std::borrow::Cow<'_, QuantileSketch> {
        if self.window.is_clear() && self.pending.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut copy = self.clone();
        copy.settle();
        std::borrow::Cow::Owned(copy)
    }

    #[inline]
    fn page_mut(&mut self, bits: u64) -> &mut Page {
        let binade_index = (bits >> 52) as usize;
        let page_in_binade =
            ((bits >> (BUCKET_SHIFT + PAGE_BITS)) as usize) & (PAGES_PER_BINADE - 1);
        let mut binade_slot = self.binade_of[binade_index] as usize;
        if binade_slot == 0 {
            self.binades.push([0; PAGES_PER_BINADE]);
            binade_slot = self.binades.len();
            self.binade_of[binade_index] = binade_slot as u32;
        }
        let mut page_slot = self.binades[binade_slot - 1][page_in_binade] as usize;
        if page_slot == 0 {
            self.pages.push(Page::new());
            page_slot = self.pages.len();
            self.binades[binade_slot - 1][page_in_binade] = page_slot as u32;
        }
        &mut self.pages[page_slot - 1]
    }

    /// Adds all counts of `other` (exact; order-independent). Its window's
    /// counts go into this sketch's window where in range, so that merging
    /// two threads' sketches needs no pages for their bulk.
    pub(crate) fn merge(&mut self, other: &QuantileSketch) {
        self.count += other.count;
        self.zeros += other.zeros;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if self.window.is_empty() {
            self.pending.extend_from_slice(&other.pending);
        } else {
            self.count_values(&other.pending);
        }
        let mut window = std::mem::take(&mut self.window);
        window.merge_from(&other.window, |ordered, count| {
            let bits = u64::from(raw_key(ordered)) << BUCKET_SHIFT;
            let bucket = (raw_key(ordered) as usize) & (PAGE_SIZE - 1);
            self.page_mut(bits).add(bucket, count);
        });
        self.window = window;
        for (binade_index, &slot) in other.binade_of.iter().enumerate() {
            if slot == 0 {
                continue;
            }
            for (page_in_binade, &page_slot) in other.binades[slot as usize - 1].iter().enumerate()
            {
                if page_slot == 0 {
                    continue;
                }
                let bits = ((binade_index as u64) << 52)
                    | ((page_in_binade as u64) << (BUCKET_SHIFT + PAGE_BITS));
                let source = &other.pages[page_slot as usize - 1];
                self.page_mut(bits).merge_from(source);
            }
        }
    }

    /// The counts in increasing order of value, page by page: the exact
    /// zeros as one part, then each page (with its binade and place, and
    /// whether its buckets run downwards: negative values).
    fn ascending_parts(&self) -> impl Iterator<Item = Part<'_>> + '_ {
        let pages_of = move |binade_index: usize, descending: bool| {
            let slot = self.binade_of[binade_index] as usize;
            let pages: &[u32] = match slot {
                0 => &[],
                _ => &self.binades[slot - 1],
            };
            let in_order: Box<dyn Iterator<Item = (usize, &u32)>> = if descending {
                Box::new(pages.iter().enumerate().rev())
            } else {
                Box::new(pages.iter().enumerate())
            };
            in_order.filter(|(_, &page_slot)| page_slot != 0).map(
                move |(page_in_binade, &page_slot)| Part::Page {
                    page: &self.pages[page_slot as usize - 1],
                    first_key: ((binade_index as u64) << MANTISSA_BITS)
                        | ((page_in_binade as u64) << PAGE_BITS),
                    descending,
                },
            )
        };
        // Negative binades: largest magnitude first; then zeros; then positive
        // binades. Empty binades (nearly all of the 4,096) are skipped before
        // an iterator is boxed for them.
        let occupied = move |b: &usize| self.binade_of[*b] != 0;
        let negative = (BINADES / 2..BINADES)
            .rev()
            .filter(occupied)
            .flat_map(move |b| pages_of(b, true));
        let positive = (0..BINADES / 2)
            .filter(occupied)
            .flat_map(move |b| pages_of(b, false));
        negative
            .chain(std::iter::once(Part::Zeros(self.zeros)))
            .chain(positive)
    }

    /// Buckets in increasing order of value: (midpoint, count), zero counts skipped.
    #[cfg(test)]
    fn ascending(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.ascending_parts()
            .flat_map(move |part| -> Vec<(f64, u64)> {
                match part {
                    Part::Zeros(count) => vec![(0.0, count)],
                    Part::Page {
                        page,
                        first_key,
                        descending,
                    } => page
                        .buckets(descending)
                        .map(|(i, count)| (self.midpoint(first_key | i as u64), count))
                        .collect(),
                }
            })
            .filter(|&(_, count)| count > 0)
    }

    /// Midpoint of bucket `key` (the top 25 bits of its values), clamped to [min, max].
    fn midpoint(&self, key: u64) -> f64 {
        let low = f64::from_bits(key << BUCKET_SHIFT);
        let high = f64::from_bits((key + 1) << BUCKET_SHIFT);
        (0.5 * (low + high)).clamp(self.min, self.max)
    }

    /// Type-7 sample quantiles at the given levels (each in [0, 1], ascending).
    /// Returns NaN for each level when the sketch is empty.
    pub(crate) fn quantiles(&self, levels: &[f64]) -> Vec<f64> {
        if self.count == 0 {
            return vec![f64::NAN; levels.len()];
        }
        let n = self.count;
        // For each level, the two order statistics it needs, in ascending rank order.
        let mut wanted: Vec<(u64, usize, bool)> = Vec::with_capacity(2 * levels.len());
        let mut fractions = Vec::with_capacity(levels.len());
        for (i, &q) in levels.iter().enumerate() {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let lower = h.floor() as u64;
            fractions.push(h - h.floor());
            wanted.push((lower, i, false));
            wanted.push(((lower + 1).min(n - 1), i, true));
        }
        wanted.sort_by_key(|&(rank, _, _)| rank);
        let mut lower_values = vec![0.0; levels.len()];
        let mut upper_values = vec![0.0; levels.len()];
        let mut next = 0;
        let mut seen: u64 = 0;
        let settled = self.settled();
        let mut record = |value: f64, count: u64, seen: &mut u64, next: &mut usize| {
            *seen += count;
            while *next < wanted.len() && wanted[*next].0 < *seen {
                let (_, level, upper) = wanted[*next];
                if upper {
                    upper_values[level] = value;
                } else {
                    lower_values[level] = value;
                }
                *next += 1;
            }
        };
        for part in settled.ascending_parts() {
            if next == wanted.len() {
                break;
            }
            match part {
                Part::Zeros(count) => record(0.0, count, &mut seen, &mut next),
                Part::Page {
                    page,
                    first_key,
                    descending,
                } => {
                    // A page holding none of the wanted ranks is passed whole.
                    let total = page.total();
                    if wanted[next].0 >= seen + total {
                        record(0.0, total, &mut seen, &mut next);
                        continue;
                    }
                    for (i, count) in page.buckets(descending) {
                        let value = settled.midpoint(first_key | i as u64);
                        record(value, count, &mut seen, &mut next);
                    }
                }
            }
        }
        (0..levels.len())
            .map(|i| lower_values[i] + fractions[i] * (upper_values[i] - lower_values[i]))
            .collect()
    }

    /// Exact zeros counted.
    pub(crate) fn zeros(&self) -> u64 {
        self.zeros + self.pending.iter().filter(|&&v| v == 0.0).count() as u64
    }

    /// Every non-empty bucket as (key, count): the top 25 bits of its values
    /// and how many fell in it. With [`from_parts`](Self::from_parts), the
    /// sketch's exact serialized form.
    pub(crate) fn buckets(&self) -> Vec<(u32, u64)> {
        let settled = self.settled();
        let this = settled.as_ref();
        let mut out = Vec::new();
        for (binade_index, &slot) in this.binade_of.iter().enumerate() {
            if slot == 0 {
                continue;
            }
            for (page_in_binade, &page_slot) in this.binades[slot as usize - 1].iter().enumerate() {
                if page_slot == 0 {
                    continue;
                }
                let page = &this.pages[page_slot as usize - 1];
                for bucket in 0..PAGE_SIZE {
                    let count = page.count(bucket);
                    if count > 0 {
                        let key = ((binade_index as u64) << MANTISSA_BITS)
                            | ((page_in_binade as u64) << PAGE_BITS)
                            | bucket as u64;
                        out.push((key as u32, count));
                    }
                }
            }
        }
        out
    }

    /// Rebuilds a sketch from its parts (see [`buckets`](Self::buckets)).
    pub(crate) fn from_parts(
        count: u64,
        zeros: u64,
        min: f64,
        max: f64,
        buckets: &[(u32, u64)],
    ) -> Self {
        let mut sketch = QuantileSketch::new();
        sketch.count = count;
        sketch.zeros = zeros;
        sketch.min = min;
        sketch.max = max;
        for &(key, n) in buckets {
            let bits = u64::from(key) << BUCKET_SHIFT;
            let bucket = (key as usize) & (PAGE_SIZE - 1);
            sketch.page_mut(bits).add(bucket, n);
        }
        sketch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window's run lands in the same buckets with the same counts whether
    /// it takes the vectorized way (no carries, room in every bucket) or the
    /// bucket-by-bucket one: upwards and downwards, and where a bucket is
    /// too full for the quick way or carries exist.
    #[test]
    fn window_runs_add_the_same_counts_either_way() {
        let counters: Vec<u8> = (0..40u32).map(|i| (i * 37 % 256) as u8).collect();
        let carries: Vec<u32> = (0..40u32).map(|i| i % 3).collect();
        for descending in [false, true] {
            let start = if descending { 50 } else { 10 };
            for (full, carried) in [(false, false), (true, false), (false, true)] {
                let mut page = Page::new();
                for (bucket, count) in page.low.iter_mut().enumerate() {
                    *count = (bucket * 1000 % 60_000) as u16;
                }
                if full {
                    page.low[start] = u16::MAX - 3;
                }
                let mut expected: Vec<u64> = (0..PAGE_SIZE).map(|b| page.count(b)).collect();
                for (step, &counter) in counters.iter().enumerate() {
                    let bucket = if descending {
                        start - step
                    } else {
                        start + step
                    };
                    let carry = if carried {
                        u64::from(carries[step]) << 8
                    } else {
                        0
                    };
                    expected[bucket] += u64::from(counter) + carry;
                }
                page.add_run(
                    start,
                    descending,
                    &counters,
                    carried.then_some(&carries[..]),
                );
                let got: Vec<u64> = (0..PAGE_SIZE).map(|b| page.count(b)).collect();
                assert_eq!(
                    got, expected,
                    "descending {descending}, full {full}, carried {carried}"
                );
            }
        }
    }
    use crate::rng::{stream, InputKey};
    use rand::RngExt;
    use rand_distr::{Distribution, StandardNormal};

    fn exact_type7(sorted: &[f64], q: f64) -> f64 {
        let h = (sorted.len() - 1) as f64 * q;
        let lower = h.floor() as usize;
        let upper = (lower + 1).min(sorted.len() - 1);
        sorted[lower] + (h - h.floor()) * (sorted[upper] - sorted[lower])
    }

    fn check_against_sorting(values: Vec<f64>) {
        let mut sketch = QuantileSketch::new();
        values.iter().for_each(|&v| sketch.add(v));
        let mut sorted = values;
        sorted.sort_by(f64::total_cmp);
        let levels = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];
        for (q, got) in levels.iter().zip(sketch.quantiles(&levels)) {
            let exact = exact_type7(&sorted, *q);
            let tolerance = 1e-4 * exact.abs();
            assert!(
                (got - exact).abs() <= tolerance,
                "q={q}: sketch {got}, sorted {exact}"
            );
        }
    }

    #[test]
    fn quantiles_match_sorting_within_1e_4_relative() {
        let mut rng = stream(11, InputKey::new("sketch"), 0);
        // Growth-like values centred away from zero, lognormal levels, and a mix of signs.
        let growth: Vec<f64> = (0..200_001)
            .map(|_| {
                0.05 + 0.01 * {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    z
                }
            })
            .collect();
        check_against_sorting(growth);
        let levels: Vec<f64> = (0..100_000)
            .map(|_| {
                1210.0
                    * (0.1 * {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        z
                    })
                    .exp()
            })
            .collect();
        check_against_sorting(levels);
        let negative: Vec<f64> = (0..50_000).map(|_| -1.0 - rng.random::<f64>()).collect();
        check_against_sorting(negative);
    }

    #[test]
    fn window_and_pages_count_alike() {
        // Growth-like values crossing zero, exact zeros, a spike of repeats
        // (counters past 255 carry) and far tails outside any window.
        let mut rng = stream(5, InputKey::new("window"), 0);
        let mut values: Vec<f64> = (0..100_000)
            .map(|i| match i % 50 {
                0 => 0.0,
                1 => 0.0625,
                2 => 1e-9 * rng.random::<f64>(),
                3 => -1e6,
                _ => {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    0.02 + 0.05 * z
                }
            })
            .collect();
        values.extend([1e300, -1e-300, f64::MIN_POSITIVE]);
        let mut batched = QuantileSketch::new();
        for batch in values.chunks(4096) {
            batched.add_all(batch);
        }
        assert!(!batched.window.is_empty(), "a window was opened");
        let mut single = QuantileSketch::new();
        values.iter().for_each(|&v| single.add(v));
        assert_eq!(batched.buckets(), single.buckets());
        assert_eq!(batched.zeros(), single.zeros());
        let levels: Vec<f64> = (0..=100).map(|i| f64::from(i) / 100.0).collect();
        assert_eq!(batched.quantiles(&levels), single.quantiles(&levels));
        // Merging sketches with different windows gives the whole.
        let (mut left, mut right) = (QuantileSketch::new(), QuantileSketch::new());
        left.add_all(&values[..50_000]);
        right.add_all(&values[60_000..]);
        right.add_all(&values[50_000..60_000]);
        left.merge(&right);
        assert_eq!(left.buckets(), single.buckets());
        assert_eq!(left.quantiles(&levels), single.quantiles(&levels));
    }

    #[test]
    fn pending_values_and_merged_windows_count_alike() {
        // Small batches (values wait pending until a window opens), sketches
        // of a few values (never a window), and windows merged into windows
        // with different ranges, counters carrying past 255 on the way.
        let mut rng = stream(9, InputKey::new("pending"), 0);
        let values: Vec<f64> = (0..30_000)
            .map(|i| match i % 40 {
                0 => 0.0,
                1 => 0.0625,
                2 => -3e-7,
                _ => {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    0.03 + 0.04 * z
                }
            })
            .collect();
        let mut single = QuantileSketch::new();
        values.iter().for_each(|&v| single.add(v));
        let levels: Vec<f64> = (0..=200).map(|i| f64::from(i) / 200.0).collect();
        let parts: Vec<QuantileSketch> = values
            .chunks(7_000)
            .map(|chunk| {
                let mut sketch = QuantileSketch::new();
                chunk.chunks(300).for_each(|batch| sketch.add_all(batch));
                sketch
            })
            .collect();
        assert!(parts.iter().all(|p| !p.window.is_empty()));
        let mut small = QuantileSketch::new();
        small.add_all(&values[..500]);
        assert!(small.window.is_empty() && small.pending.len() == 500);
        assert_eq!(
            small.zeros(),
            values[..500].iter().filter(|&&v| v == 0.0).count() as u64
        );
        let mut whole_small = QuantileSketch::new();
        values[..500].iter().for_each(|&v| whole_small.add(v));
        assert_eq!(small.buckets(), whole_small.buckets());
        assert_eq!(small.quantiles(&levels), whole_small.quantiles(&levels));
        // Windows into windows, in two orders, then settled.
        for order in [[0, 1, 2, 3, 4], [4, 2, 0, 3, 1]] {
            let mut merged = parts[order[0]].clone();
            for &k in &order[1..] {
                merged.merge(&parts[k]);
            }
            assert_eq!(merged.buckets(), single.buckets());
            assert_eq!(merged.zeros(), single.zeros());
            assert_eq!(merged.quantiles(&levels), single.quantiles(&levels));
            merged.settle();
            assert_eq!(merged.buckets(), single.buckets());
        }
        // Pending values into a window, and a window into pending values.
        let mut with_window = parts[0].clone();
        with_window.merge(&small);
        let mut expected = parts[0].clone();
        expected.add_all(&values[..500]);
        assert_eq!(with_window.buckets(), expected.buckets());
        let mut pending = small.clone();
        pending.merge(&parts[0]);
        assert_eq!(pending.buckets(), expected.buckets());
        assert_eq!(pending.quantiles(&levels), expected.quantiles(&levels));
    }

    #[test]
    fn counts_past_16_bits_carry() {
        let mut sketch = QuantileSketch::new();
        for _ in 0..70_000 {
            sketch.add(1.0);
        }
        sketch.add(2.0);
        let mut other = QuantileSketch::new();
        for _ in 0..70_000 {
            other.add(1.0);
        }
        sketch.merge(&other);
        assert_eq!(sketch.count(), 140_001);
        let q = sketch.quantiles(&[0.99999, 1.0]);
        assert!((q[0] - 1.0).abs() < 1e-4 && q[1] == 2.0, "{q:?}");
        let total: u64 = sketch.ascending().map(|(_, c)| c).sum();
        assert_eq!(total, 140_001);
    }

    #[test]
    fn exact_for_repeated_values_and_zeros() {
        let mut sketch = QuantileSketch::new();
        for _ in 0..10 {
            sketch.add(0.0);
            sketch.add(300.0);
        }
        let q = sketch.quantiles(&[0.0, 0.25, 1.0]);
        assert_eq!(q, vec![0.0, 0.0, 300.0]);
    }

    #[test]
    fn merge_equals_one_sketch_in_any_split() {
        let mut rng = stream(3, InputKey::new("merge"), 0);
        let values: Vec<f64> = (0..30_000)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let mut whole = QuantileSketch::new();
        values.iter().for_each(|&v| whole.add(v));
        let (mut left, mut right) = (QuantileSketch::new(), QuantileSketch::new());
        values[..7_000].iter().for_each(|&v| left.add(v));
        values[7_000..].iter().for_each(|&v| right.add(v));
        let mut merged = right.clone();
        merged.merge(&left);
        let levels = [0.01, 0.5, 0.99];
        assert_eq!(merged.quantiles(&levels), whole.quantiles(&levels));
        left.merge(&right);
        assert_eq!(left.quantiles(&levels), whole.quantiles(&levels));
    }
}
