/* last_words.h - what hooks/signal.c offers the shim: a word before a
 * signal's default action ends the process, and a note whenever one of the
 * program's handlers runs. */
#ifndef GREEN_LAST_WORDS_H
#define GREEN_LAST_WORDS_H

/* If sig's action is the default one (not ignored, no handler), call say
 * when sig arrives and then let the default action end the process as it
 * would have: the exit status is the signal's.  The program keeps seeing
 * SIG_DFL through sigaction, and a handler it installs replaces this; when
 * it sets SIG_DFL back, say is called again.  Call before the program can
 * install handlers (from the shim's constructor).  say runs in a signal
 * handler: it must be async-signal-safe. */
void hook__last_words(int sig, void (*say)(void));

/* Call note(sig) in the signal handler, just before the program's own
 * handler for sig runs.  note must be async-signal-safe. */
void hook__note_handlers(void (*note)(int sig));

#endif
