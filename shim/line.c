/*
 * line.c - a line of text built without stdio or malloc (line.h).
 */
#include <string.h>

#include "line.h"
#include "util.h"

void green__line_add(struct green__line *l, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof l->text - 1 - l->len)
        n = sizeof l->text - 1 - l->len;
    memcpy(l->text + l->len, s, n);
    l->len += n;
    l->text[l->len] = '\0';
}

void green__line_dec(struct green__line *l, unsigned long value)
{
    char digits[24];
    green__line_add(l, green__format_decimal(digits + sizeof digits, value));
}

void green__line_hex(struct green__line *l, uintptr_t value)
{
    char digits[2 + 2 * sizeof value + 1];
    char *p = digits + sizeof digits;
    *--p = '\0';
    do {
        *--p = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value);
    *--p = 'x';
    *--p = '0';
    green__line_add(l, p);
}
