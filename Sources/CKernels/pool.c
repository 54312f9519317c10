#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// The decode step's worker pool (Common/Threads.swift: spinFor). A decode step at d4 is ~25 parallel loops of
// 10–40 µs each; waking a sleeping thread for each costs about as much as the loop on a VM (2 threads made the
// d4 linears no faster than 1, dev/LOG.md 2026-12-04). These workers stay awake, polling, for a short while after
// each loop, then sleep on a condition variable until the next one.
//
// Indices are claimed, not assigned: the caller and the workers take the next unclaimed index of the loop until
// none is left, and the loop is over when every index is done. So a worker that is asleep, slow to wake or
// preempted by some other thread (OpenBLAS's, which spin for a while after each call) never holds a step up:
// the caller runs its share. With fixed shares the caller waited for such a worker, a burst of steps at 10× their
// time (d4 batch 1, dev/LOG.md 2026-12-04).

#define NC_POOL_MAX 64
#define NC_SPIN_SECONDS 200e-6   // awake this long after a loop: longer than any gap inside a decode step

// The loop word: generation (bits 32–63), width (16–31) and the next unclaimed index (0–15). A claim is a
// compare-and-swap on the whole word, so it can only succeed in the loop it read; the loop's fn and ctx are
// written before the word and read only after a successful claim.
#define GEN(w) ((w) >> 32)
#define WIDTH(w) (((w) >> 16) & 0xFFFF)
#define NEXT(w) ((w) & 0xFFFF)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int pool_started = 0;                 // threads created (under pool_lock)
static int pool_sleepers = 0;                // threads waiting on pool_wake (under pool_lock)
static _Atomic unsigned long pool_word = 0;  // the current loop (see GEN, WIDTH, NEXT)
static atomic_long pool_done = 0;            // indices of the current loop finished
static atomic_int pool_busy = 0;             // one loop at a time; nested or concurrent callers fall back
static nc_pool_fn pool_fn;
static void *pool_ctx;

static inline void relax(void) {
#if defined(__x86_64__)
    _mm_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// Claims and runs indices of the loop `word` was read from until none is left (or a newer loop has begun).
static void run_claims(unsigned long word) {
    for (;;) {
        if (NEXT(word) >= WIDTH(word)) return;
        unsigned long claimed = word + 1;
        if (!atomic_compare_exchange_weak_explicit(&pool_word, &word, claimed, memory_order_acquire, memory_order_acquire)) {
            continue;   // `word` now holds the current value: retry, or stop if that loop is fully claimed
        }
        pool_fn(pool_ctx, (long)NEXT(word));
        atomic_fetch_add_explicit(&pool_done, 1, memory_order_release);
        word = claimed;
    }
}

static void *worker(void *arg) {
    (void)arg;
    unsigned long seen = GEN(atomic_load_explicit(&pool_word, memory_order_acquire));
    for (;;) {
        unsigned long w;
        double until = now_seconds() + NC_SPIN_SECONDS;
        for (long spins = 0;; spins++) {
            w = atomic_load_explicit(&pool_word, memory_order_acquire);
            if (GEN(w) != seen) break;
            if ((spins & 255) == 255 && now_seconds() > until) {
                pthread_mutex_lock(&pool_lock);
                pool_sleepers++;
                while (GEN(w = atomic_load_explicit(&pool_word, memory_order_acquire)) == seen)
                    pthread_cond_wait(&pool_wake, &pool_lock);
                pool_sleepers--;
                pthread_mutex_unlock(&pool_lock);
                break;
            }
            relax();
        }
        seen = GEN(w);
        run_claims(w);
    }
    return 0;
}

int nc_pool_run(long width, nc_pool_fn fn, void *ctx) {
    if (width < 2 || width > NC_POOL_MAX) return 0;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&pool_busy, &expected, 1)) return 0;
    pthread_mutex_lock(&pool_lock);
    while (pool_started < width - 1) {
        pthread_t t;
        if (pthread_create(&t, 0, worker, 0) != 0) break;
        pthread_detach(t);
        pool_started++;
    }
    int ok = pool_started >= width - 1;
    pthread_mutex_unlock(&pool_lock);
    if (!ok) { atomic_store(&pool_busy, 0); return 0; }
    // The previous loop's indices are all done, so no thread is inside pool_fn or between its claim and its
    // read of these fields; a thread still looking at the old word fails its claim.
    pool_fn = fn; pool_ctx = ctx;
    atomic_store_explicit(&pool_done, 0, memory_order_relaxed);
    unsigned long gen = GEN(atomic_load_explicit(&pool_word, memory_order_relaxed)) + 1;
    unsigned long word = (gen << 32) | ((unsigned long)width << 16) | 1;   // index 0 is the caller's
    atomic_store_explicit(&pool_word, word, memory_order_release);
    pthread_mutex_lock(&pool_lock);
    if (pool_sleepers > 0) pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    fn(ctx, 0);
    atomic_fetch_add_explicit(&pool_done, 1, memory_order_relaxed);
    run_claims(atomic_load_explicit(&pool_word, memory_order_acquire));
    while (atomic_load_explicit(&pool_done, memory_order_acquire) < width) relax();
    atomic_store_explicit(&pool_busy, 0, memory_order_release);
    return 1;
}
