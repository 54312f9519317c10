#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// The decode step's worker pool (Common/Threads.swift: spinFor). A decode step at d4 is ~25 parallel loops of
// 10–40 µs each; waking a sleeping thread for each costs about as much as the loop on a VM (2 threads made the
// d4 linears no faster than 1, dev/LOG.md 2026-12-04). These workers stay awake, polling a generation counter,
// for a short while after each loop, then sleep on a condition variable until the next one.

#define NC_POOL_MAX 64
#define NC_SPIN_SECONDS 200e-6   // awake this long after a loop: longer than any gap inside a decode step

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int pool_started = 0;                 // threads created (under pool_lock)
static int pool_sleepers = 0;                // threads waiting on pool_wake (under pool_lock)
static atomic_long pool_generation = 0;      // bumped once per loop, after its fields are set
static atomic_long pool_remaining = 0;       // started threads that have not yet checked in for this loop
static atomic_int pool_busy = 0;             // one loop at a time; nested or concurrent callers fall back
static nc_pool_fn pool_fn;
static void *pool_ctx;
static long start_generation[NC_POOL_MAX];   // the generation before the loop a thread was created for
static long pool_width;                      // indices 0 ..< pool_width; 0 runs on the caller

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

static void *worker(void *arg) {
    long index = (long)arg;                  // this thread runs index `index` of every loop that wide
    long seen = start_generation[index];     // written before pthread_create, so visible here
    for (;;) {
        long g;
        double until = now_seconds() + NC_SPIN_SECONDS;
        for (long spins = 0;; spins++) {
            g = atomic_load_explicit(&pool_generation, memory_order_acquire);
            if (g != seen) break;
            if ((spins & 255) == 255 && now_seconds() > until) {
                pthread_mutex_lock(&pool_lock);
                pool_sleepers++;
                while ((g = atomic_load_explicit(&pool_generation, memory_order_acquire)) == seen)
                    pthread_cond_wait(&pool_wake, &pool_lock);
                pool_sleepers--;
                pthread_mutex_unlock(&pool_lock);
                break;
            }
            relax();
        }
        seen = g;
        if (index < pool_width) pool_fn(pool_ctx, index);
        // every started thread checks in for every loop, so none can still be reading this loop's fields
        // when the caller sets the next one's
        atomic_fetch_sub_explicit(&pool_remaining, 1, memory_order_acq_rel);
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
        start_generation[pool_started + 1] = atomic_load(&pool_generation);
        if (pthread_create(&t, 0, worker, (void *)(long)(pool_started + 1)) != 0) break;
        pthread_detach(t);
        pool_started++;
    }
    int ok = pool_started >= width - 1;
    long started = pool_started;
    pthread_mutex_unlock(&pool_lock);
    if (!ok) { atomic_store(&pool_busy, 0); return 0; }
    pool_fn = fn; pool_ctx = ctx; pool_width = width;
    atomic_store_explicit(&pool_remaining, started, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool_generation, 1, memory_order_release);
    pthread_mutex_lock(&pool_lock);
    if (pool_sleepers > 0) pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    fn(ctx, 0);
    while (atomic_load_explicit(&pool_remaining, memory_order_acquire) > 0) relax();
    atomic_store_explicit(&pool_busy, 0, memory_order_release);
    return 1;
}
