# The names of sched/real_list.h, and glibc's fortified variants of them,
# for exports.bats and fortify.bats.  The callers set root (the checkout)
# and build (the build directory being tested).

# list_names KIND...: the names of the list's entries of those kinds
# (hook, real, export, compat), one a line, sorted.  The preprocessor reads
# the list, as the build does.
list_names() {
    local kind defs=()

    for kind in "$@"; do
        case $kind in
        hook) defs+=(-D'X_HOOK(ret,name,params)=name') ;;
        real) defs+=(-D'X_REAL(ret,name,params)=name') ;;
        export) defs+=(-D'X_EXPORT(name)=name') ;;
        compat) defs+=(-D'X_EXPORT_COMPAT(name,version)=name') ;;
        *) echo "list_names: no kind $kind" >&2; return 1 ;;
        esac
    done
    cc -E -P -undef "${defs[@]}" -x c "$root/sched/real_list.h" |
        tr -d ' \t' | grep -v '^$' | sort -u
}

# exported_names: every name libgreenrun.so must export.
exported_names() {
    list_names hook export compat
}

# glibc_path: the C library the build's libgreenrun.so is linked against.
glibc_path() {
    ldd "$build/libgreenrun.so" | awk '$1 == "libc.so.6" {print $3}'
}

# defined_symbols LIB: the functions LIB exports, without versions.
defined_symbols() {
    nm -D --defined-only "$1" | awk '$2 ~ /^[TWiV]$/ {print $3}' |
        sed 's/@.*//' | sort -u
}

# hooked_chk_names: glibc's fortified variants (__NAME_chk) of the names
# libgreenrun.so exports, read from glibc's own exports, one a line.
hooked_chk_names() {
    local libc

    libc=$(glibc_path)
    [ -n "$libc" ] || return 1
    defined_symbols "$libc" | sed -n 's/^__\(.*\)_chk$/\1/p' |
        grep -Fx -f <(exported_names) | sed 's/.*/__&_chk/'
}
