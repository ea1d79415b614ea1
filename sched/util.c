/* util.c - diagnostics the core can print from any context. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real.h"
#include "util.h"

void green__say(const char *msg)
{
    size_t len = strlen(msg);
    while (len > 0) {
        ssize_t n = green__real.write(2, msg, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        msg += n;
        len -= (size_t)n;
    }
}

char *green__format_decimal(char *end, unsigned long value)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    return end;
}

void green__assert_fail(const char *expr, const char *file, int line)
{
    char digits[24];
    green__say("greenrun: internal error: assertion failed: ");
    green__say(expr);
    green__say(" at ");
    green__say(file);
    green__say(":");
    green__say(
        green__format_decimal(digits + sizeof digits, (unsigned long)line));
    green__say("\n");
    abort();
}
