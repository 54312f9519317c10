#pragma once
// C loops of the benchmarks (Sources/NanoChatBench), outside the library.

/// Σ p[0 ..< n] read as `streams` (1, 4, 8 or 16) equal runs side by side, 16 floats of each per step, each
/// run its own accumulator; the remainder is added after. The read-bandwidth probe's loop.
float ncb_stream_sum(const float *p, long n, int streams);
