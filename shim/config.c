/*
 * config.c - GREENRUN_* settings.
 *
 * Read once, before the program's main.  A bad value is one line naming the
 * variable, the value and what is accepted, and exit status 2: running on
 * with a setting the user did not mean would be worse than not starting.
 * An empty value counts as unset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "shim.h"

#define DEFAULT_STACK_SIZE (256 * 1024)
#define MIN_STACK_SIZE (16 * 1024)
#define MAX_STACK_SIZE (1024 * 1024 * 1024)
#define MAX_MONITOR_MS 3600000

struct green__config green__config = {.stack_size = DEFAULT_STACK_SIZE};

static void reject(const char *name, const char *value, const char *accepted)
{
    char line[512];
    snprintf(line, sizeof line, "greenrun: %s=%s is not valid: expected %s\n",
             name, value, accepted);
    green__say(line);
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
    if (unit)
        n <<= 10 * (1 + (unit - units) / 2);
    return n;
}

static void load_stack_size(void)
{
    const char *v = setting("GREENRUN_STACK_SIZE");
    if (!v)
        return;
    unsigned long long n = parse_size(v);
    if (n < MIN_STACK_SIZE || n > MAX_STACK_SIZE)
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
    if (errno || *end || *v < '0' || *v > '9' || n < 1 ||
        n > MAX_MONITOR_MS)
        reject("GREENRUN_MONITOR_MS", v,
               "a whole number of milliseconds from 1 to 3600000");
    green__config.monitor_ms = (unsigned)n;
}

static void load_debug(void)
{
    const char *v = setting("GREENRUN_DEBUG");
    if (!v)
        return;
    if (strcmp(v, "0") && strcmp(v, "1"))
        reject("GREENRUN_DEBUG", v, "0 or 1");
    green__config.debug = v[0] == '1';
}

static void load_stats(void)
{
    const char *v = setting("GREENRUN_STATS");
    if (!v || !strcmp(v, "0"))
        return;
    /* A path must name a file we can create or append to. */
    if (strcmp(v, "1")) {
        int fd = open(v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            reject("GREENRUN_STATS", v,
                   "0, 1 (stderr) or the path of a file to write");
        green__real_ready()->close(fd);
    }
    green__config.stats = v;
}

void green__config_load(void)
{
    load_stack_size();
    load_monitor();
    load_debug();
    load_stats();
}
