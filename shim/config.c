/*
 * config.c - GREENRUN_* settings.
 *
 * Read once, before the program's main.  A bad value is one line naming the
 * variable, the value and what is accepted, and exit status 2: running on
 * with a setting the user did not mean would be worse than not starting.
 * An empty value counts as unset.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"
#include "thread.h"

#define MAX_STACK_SIZE (1024 * 1024 * 1024)
#define MAX_MONITOR_MS 3600000
#define DEFAULT_SLICE_MS 10
#define MAX_SLICE_MS 10000
#define MAX_WORKERS 1024

struct green__config green__config = {.stack_size = GREEN__STACK_DEFAULT,
                                      .slice_ms = DEFAULT_SLICE_MS,
                                      .workers = 1,
                                      .syscall_trap = 1};

static void reject(const char *name, const char *value, const char *accepted)
{
    green__say("greenrun: ");
    green__say(name);
    green__say("=");
    green__say(value);
    green__say(" is not valid: expected ");
    green__say(accepted);
    green__say("\n");
    _exit(2);
}

static const char *setting(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* Plain bytes or a k/m/g suffix (KiB, MiB, GiB); 0 if malformed. */
static unsigned long long parse_size(const char *text)
{
    char *end;
    if (*text < '0' || *text > '9')
        return 0;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno)
        return 0;
    const char *units = "kKmMgG";
    const char *unit = *end ? strchr(units, *end) : NULL;
    if (*end && (!unit || end[1]))
        return 0;
    if (unit) {
        int shift = 10 * (1 + (int)(unit - units) / 2);
        if (n > (~0ULL >> shift))
            return 0; /* would overflow: certainly too large */
        n <<= shift;
    }
    return n;
}

static void load_stack_size(void)
{
    const char *v = setting("GREENRUN_STACK_SIZE");
    if (!v)
        return;
    unsigned long long n = parse_size(v);
    if (n < GREEN__STACK_MIN || n > MAX_STACK_SIZE)
        reject("GREENRUN_STACK_SIZE", v,
               "a size from 16k to 1g, such as 64k, 256k or 1m");
    green__config.stack_size = (size_t)n;
}

static void load_monitor(void)
{
    const char *v = setting("GREENRUN_MONITOR_MS");
    char *end;
    if (!v)
        return;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || *v < '0' || *v > '9' || n < 1 || n > MAX_MONITOR_MS)
        reject("GREENRUN_MONITOR_MS", v,
               "a whole number of milliseconds from 1 to 3600000");
    green__config.monitor_ms = (unsigned)n;
}

/* A 0 or 1 setting: *out keeps its default when unset. */
static void load_bool(const char *name, int *out)
{
    const char *v = setting(name);
    if (!v)
        return;
    if (strcmp(v, "0") && strcmp(v, "1"))
        reject(name, v, "0 or 1");
    *out = v[0] == '1';
}

static void load_slice(void)
{
    const char *v = setting("GREENRUN_SLICE_MS");
    char *end;
    if (!v)
        return;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || *v < '0' || *v > '9' || n > MAX_SLICE_MS)
        reject("GREENRUN_SLICE_MS", v,
               "a whole number of milliseconds from 0 (no preemption) to "
               "10000");
    green__config.slice_ms = (unsigned)n;
}

/* GREENRUN_WORKERS: a count, or "auto" for the CPUs this process may run
 * on (its affinity mask, as taskset or a container sets it). */
static void load_workers(void)
{
    const char *v = setting("GREENRUN_WORKERS");
    char *end;
    if (!v)
        return;
    if (!strcmp(v, "auto")) {
        cpu_set_t cpus;
        int n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
                                                              : 1;
        green__config.workers = (unsigned)(n < 1             ? 1
                                           : n > MAX_WORKERS ? MAX_WORKERS
                                                             : n);
        return;
    }
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || *v < '1' || *v > '9' || n > MAX_WORKERS)
        reject("GREENRUN_WORKERS", v,
               "auto (one per CPU) or a whole number from 1 to 1024");
    green__config.workers = (unsigned)n;
}

static void load_tls(void)
{
    const char *v = setting("GREENRUN_TLS");
    if (!v)
        return;
    if (strcmp(v, "private") && strcmp(v, "shared"))
        reject("GREENRUN_TLS", v, "private or shared");
    green__config.tls_shared = v[0] == 's';
}

/* May we append to path, or create it?  Checked without creating it: every
 * child process inherits the setting, and most never report. */
static int writable_path(const char *path)
{
    char dir[4096];
    struct stat st;
    if (stat(path, &st) == 0)
        return !S_ISDIR(st.st_mode) && access(path, W_OK) == 0;
    if (errno != ENOENT || strlen(path) >= sizeof dir)
        return 0;
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return access(".", W_OK) == 0;
    slash[slash == dir] = '\0'; /* keep "/" for a file in the root */
    return access(dir, W_OK) == 0;
}

static void load_stats(void)
{
    const char *v = setting("GREENRUN_STATS");
    if (!v || !strcmp(v, "0"))
        return;
    if (strcmp(v, "1") && !writable_path(v))
        reject("GREENRUN_STATS", v,
               "0, 1 (stderr) or the path of a file to write");
    green__config.stats = v;
}

void green__config_load(void)
{
    load_stack_size();
    load_monitor();
    load_bool("GREENRUN_DEBUG", &green__config.debug);
    load_bool("GREENRUN_FILE_POOL", &green__config.file_pool);
    load_tls();
    load_bool("GREENRUN_SYSCALL_TRAP", &green__config.syscall_trap);
    load_slice();
    load_workers();
    load_stats();
}
