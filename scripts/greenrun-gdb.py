# greenrun-gdb.py - gdb commands for programs running under greenrun.
#
#   info green-threads              every green thread: id, name, state, where
#   green-thread ID [COMMAND...]    run COMMAND (default: bt) in that green
#                                   thread's context; ID may be "all"
#
# Load it with `source greenrun-gdb.py`, or `gdb -x greenrun-gdb.py`;
# `greenrun --gdb-script` prints where it is installed.
#
# Green threads are stacks that no OS thread runs, so gdb's `info threads`
# and `bt` show only the one running now (or the hub waiting for events).
# The hub of the main OS thread is the static `main_hub` of
# libgreenrun.so (shim/init.c); its list `all` links every green thread
# through `all_next`, newest first; with several workers its `world` lists
# every hub, each run by the OS thread `tid`.  A switched-out thread's stack starts
# with the frame green__switch left (sched/switch_x86_64.S):
#
#   +0 mxcsr and x87 control word, +8 r15, +16 r14, +24 r13, +32 r12,
#   +40 rbx, +48 rbp, +56 return address; rsp was sp + 64 after the return
#
# `green-thread` loads those registers into the hub's OS thread, runs the
# command with gdb's own unwinder (CFI, every frame, line numbers) and puts
# the registers back, $orig_rax included: writing $pc makes gdb clear it,
# and a thread stopped in a system call would then not restart the call
# but return -ERESTART* to the program.  This needs a live process; a core
# file's registers cannot be changed.
import time

import gdb

SAVED = (("r15", 8), ("r14", 16), ("r13", 24), ("r12", 32), ("rbx", 40),
         ("rbp", 48), ("pc", 56))
SWAPPED = ("pc", "sp", "rbp", "rbx", "r12", "r13", "r14", "r15")
STATES = {0: "runnable", 1: "parked", 2: "ended"}
EV_READ, EV_WRITE = 1, 2


def hub():
    """The main OS thread's hub, as a `struct green__hub *`."""
    sym = gdb.lookup_static_symbol("main_hub")
    if sym is not None:
        h = sym.value()
    else:
        try:
            h = gdb.parse_and_eval("green__hub")
        except gdb.error:
            raise gdb.GdbError("greenrun is not loaded in this program "
                               "(no main_hub in libgreenrun.so)")
    if int(h) == 0:
        raise gdb.GdbError("greenrun has no hub (it runs natively)")
    return h


def threads(h):
    """Every green thread of hub h, oldest first (not a worker's own
    context, id 0, parked for good)."""
    out = []
    g = h["all"]
    while int(g) != 0 and len(out) < 1000000:
        if int(g["id"]) != 0:
            out.append(g)
        g = g["all_next"]
    out.reverse()
    return out


def hubs(h):
    """Every hub of main hub h's world: one per worker OS thread."""
    w = h["world"]
    count = int(w["hub_count"])
    return [w["hubs"][i] for i in range(count)] if count > 1 else [h]


def every_thread(h):
    """(hub, thread) for every green thread of every hub."""
    return [(hh, g) for hh in hubs(h) for g in threads(hh)]


def label(g):
    name = g["name"].string()
    return "%d \"%s\"" % (int(g["id"]), name) if name else str(int(g["id"]))


def mutex_owner(h, q, all_threads):
    """The holder of the mutex whose waiters q is, if it is one: the
    waiters end its green_mutex_t (sched/mutex.c)."""
    offset = (gdb.lookup_type("green_mutex_t").sizeof -
              gdb.lookup_type("struct green__queue").sizeof)
    green_pp = gdb.lookup_type("struct green").pointer().pointer()
    owner = gdb.Value(int(q) - offset).cast(green_pp).dereference()
    for t in all_threads:
        if int(t) == int(owner):
            return int(q) - offset, t
    return None, None


def time_left(g):
    """Seconds before g's timeout, or None.  libev keeps an active timer's
    `at` on CLOCK_MONOTONIC, a periodic's on the wall clock."""
    if int(g["timer"]["active"]):
        return float(g["timer"]["at"]) - time.monotonic()
    if int(g["periodic"]["active"]):
        return float(g["periodic"]["at"]) - time.time()
    return None


def wait_of(h, g, all_threads):
    """What parked thread g waits for, from what it armed and where it is
    queued (as the SIGRTMAX-2 dump says it)."""
    q = g["q"]
    joined = [t for t in all_threads if int(t["joiner"]) == int(g)]
    if int(g["io"]["active"]):
        ev = int(g["io"]["events"]) & (EV_READ | EV_WRITE)
        how = {EV_READ: "read", EV_WRITE: "write"}.get(ev, "read and write")
        text = "parked on fd %d for %s" % (int(g["io"]["fd"]), how)
    elif joined:
        text = "parked joining green thread %s" % label(joined[0])
    elif int(g["wait_addr"]):
        text = "parked on futex 0x%x" % int(g["wait_addr"])
    elif int(q) and int(q) == int(h["world"]["once_waiters"].address):
        text = "parked until a once routine ends"
    elif int(q):
        m, owner = mutex_owner(h, q, all_threads)
        if owner is not None:
            text = "parked locking mutex 0x%x held by green thread %s" % (
                m, label(owner))
        else:
            text = "parked in wait queue 0x%x" % int(q)
    else:
        text = "parked"
    left = time_left(g)
    if left is not None:
        if text == "parked":
            text = "sleeping"
        text += ", %.3f s left" % max(left, 0.0)
    return text


def state_of(h, g, all_threads):
    if int(g) == int(h["current"]):
        return "running"
    state = STATES.get(int(g["state"]), "?")
    if state == "parked":
        return wait_of(h, g, all_threads)
    if state == "ended" and not int(g["detached"]):
        return "ended, not yet joined"
    return state


def hub_os_thread(h):
    """The gdb thread of the OS thread that runs hub h."""
    inferior = gdb.selected_inferior()
    for t in inferior.threads():
        if t.ptid[1] == int(h["tid"]):
            return t
    raise gdb.GdbError("cannot find the OS thread of a hub")


class SavedContext:
    """With g's saved registers loaded into its hub's OS thread."""

    def __init__(self, h, g):
        self.h = h
        self.sp = int(g["sp"])

    def __enter__(self):
        hub_os_thread(self.h).switch()
        gdb.newest_frame().select()
        self.before = {r: int(gdb.parse_and_eval("$" + r)) for r in SWAPPED}
        try:
            self.orig_rax = int(gdb.parse_and_eval("$orig_rax"))
        except gdb.error:
            self.orig_rax = None
        ulong = gdb.lookup_type("unsigned long").pointer()
        words = {r: int(gdb.Value(self.sp + off).cast(ulong).dereference())
                 for r, off in SAVED}
        words["sp"] = self.sp + 64
        for r in SWAPPED:
            gdb.execute("set $%s = %d" % (r, words[r]), to_string=True)
        return self

    def __exit__(self, *exc):
        gdb.newest_frame().select()
        for r in SWAPPED:
            gdb.execute("set $%s = %d" % (r, self.before[r]), to_string=True)
        if self.orig_rax is not None:
            gdb.execute("set $orig_rax = %d" % self.orig_rax, to_string=True)
        return False


def where(h, g):
    """", in HOOK, from FUNCTION (FILE:LINE)": the call into greenrun the
    thread is in, and the program's function that made it."""
    if int(g) != int(h["current"]) and int(g["state"]) == 2:
        return ""
    try:
        if int(g) == int(h["current"]):
            hub_os_thread(h).switch()
            return describe_frames()
        with SavedContext(h, g):
            return describe_frames()
    except gdb.error:
        return ""


def in_greenrun(frame):
    lib = gdb.solib_name(frame.pc())
    return lib is not None and lib.endswith("/libgreenrun.so")


def describe_frames():
    frame, call = gdb.newest_frame(), None
    while frame is not None and in_greenrun(frame):
        call = frame.name() or call
        frame = frame.older()
    text = ", in %s" % call if call else ""
    if frame is not None and frame.name():
        sal = frame.find_sal()
        text += ", from %s" % frame.name()
        if sal.symtab:
            text += " (%s:%d)" % (sal.symtab.filename.split("/")[-1],
                                  sal.line)
    return text


class InfoGreenThreads(gdb.Command):
    """Every green thread of the program: id, name, state, where it is.
    The running one is marked with *."""

    def __init__(self):
        super().__init__("info green-threads", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        every = every_thread(hub())
        all_threads = [g for _, g in every]
        many = len(hubs(hub())) > 1
        for i, h in enumerate(hubs(hub())):
            if many:
                print("  worker %d:" % i)
            if int(h["current"]) == int(h["hub_thread"]):
                print("  (the hub is waiting for events)")
            for g in threads(h):
                mark = "*" if int(g) == int(h["current"]) else " "
                print("%s %-20s %s%s" % (mark, label(g),
                                        state_of(h, g, all_threads),
                                        where(h, g)))


class GreenThread(gdb.Command):
    """green-thread ID|all [COMMAND...]: run COMMAND (default: bt) with the
    registers of green thread ID (all: of each in turn), then put the
    registers back."""

    def __init__(self):
        super().__init__("green-thread", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        words = arg.split(None, 1)
        if not words:
            raise gdb.GdbError("usage: green-thread ID|all [COMMAND...]")
        command = words[1] if len(words) > 1 else "bt"
        every = every_thread(hub())
        all_threads = [g for _, g in every]
        if words[0] == "all":
            chosen = every
        else:
            chosen = [(h, g) for h, g in every if str(int(g["id"])) == words[0]]
            if not chosen:
                raise gdb.GdbError("no green thread %s" % words[0])
        for h, g in chosen:
            print("green thread %s: %s" % (label(g),
                                           state_of(h, g, all_threads)))
            if int(g) == int(h["current"]):
                hub_os_thread(h).switch()
                gdb.execute(command)
            elif int(g["state"]) != 2:
                with SavedContext(h, g):
                    gdb.execute(command)


InfoGreenThreads()
GreenThread()
