/* http.h - the minimal HTTP/1.1 keep-alive protocol the http_* servers
 * speak: every request head gets the same small response. */
#ifndef GREEN_BENCH_HTTP_H
#define GREEN_BENCH_HTTP_H

#include <string.h>

#define HEAD_MAX 8192
#define BATCH_MAX 64 /* responses written with one call */

static const char response[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Length: 6\r\n"
                               "\r\n"
                               "hello\n";
#define RESPONSE_LEN (sizeof(response) - 1)

/* BATCH_MAX copies of response, back to back. */
static char responses[BATCH_MAX * RESPONSE_LEN];

/* Fill responses once, at start-up. */
static inline void fill_responses(void)
{
    for (int i = 0; i < BATCH_MAX; i++)
        memcpy(responses + i * RESPONSE_LEN, response, RESPONSE_LEN);
}

/* Count the complete request heads in buf[0..*len) and move what follows
 * the last one to the front. */
static inline size_t take_requests(char *buf, size_t *len)
{
    size_t count = 0, used = 0;
    char *end;

    while ((end = memmem(buf + used, *len - used, "\r\n\r\n", 4)) != NULL) {
        used = (size_t)(end - buf) + 4;
        count++;
    }
    memmove(buf, buf + used, *len - used);
    *len -= used;
    return count;
}

#endif
