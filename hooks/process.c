/* process.c - _exit and _Exit: the stats report is due there too (shells
 * such as dash leave through _exit, skipping atexit handlers). */
#include <stdlib.h>
#include <unistd.h>

#include "hook.h"

HOOK void _exit(int status)
{
    green__stats_report_once();
    real()->_exit(status);
}

HOOK void _Exit(int status) __attribute__((alias("_exit")));
