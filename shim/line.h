/*
 * line.h - a line of text built without stdio or malloc, for what greenrun
 * prints from signal handlers and at exit (stats.c, debug.c).
 */
#ifndef GREEN_LINE_H
#define GREEN_LINE_H

#include <stddef.h>
#include <stdint.h>

struct green__line {
    char text[768];
    size_t len; /* never past the end: what does not fit is dropped */
};

void green__line_add(struct green__line *l, const char *s);
void green__line_dec(struct green__line *l, unsigned long value);
void green__line_hex(struct green__line *l, uintptr_t value);

#endif
