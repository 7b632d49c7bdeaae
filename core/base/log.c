/* log.c — JSON log lines; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

static int min_level = LOG_INFO;
static int sink_fd = 2;
static const char *level_names[] = {"debug", "info", "warn", "error", "fatal"};

void log_set_level(int level) { min_level = level; }
void log_set_fd(int fd) { sink_fd = fd; }
int log_enabled(int level) { return level >= min_level; }

int log_parse_level(const char *name)
{
    for (int i = 0; i <= LOG_FATAL; i++)
        if (strcmp(name, level_names[i]) == 0) return i;
    return -1;
}

/* Format one `key=%conv` field from ap into b. Returns false on a bad spec so
 * a programming error shows up in the line instead of reading garbage. */
static bool put_field(buf_t *b, const char **fp, va_list *ap)
{
    const char *f = *fp;
    const char *eq = strchr(f, '=');
    if (!eq || eq[1] != '%') return false;
    buf_putc(b, ',');
    buf_json_str(b, f, (size_t)(eq - f));
    buf_putc(b, ':');
    const char *c = eq + 2;
    char spec[16] = "%";
    size_t sl = 1;
    while (*c && *c != ' ' && sl < sizeof spec - 1) spec[sl++] = *c++;
    spec[sl] = '\0';
    char conv = spec[sl - 1];
    *fp = c;
    if (conv == 's') {
        const char *s = va_arg(*ap, const char *);
        if (s) buf_json_cstr(b, s);
        else buf_puts(b, "null");
    } else if (conv == 'b') {
        buf_puts(b, va_arg(*ap, int) ? "true" : "false");
    } else if (conv == 'f' || conv == 'g') {
        buf_printf(b, spec, va_arg(*ap, double));
    } else if (!strcmp(spec, "%d")) {
        buf_put_i64(b, va_arg(*ap, int));
    } else if (!strcmp(spec, "%u")) {
        buf_put_u64(b, va_arg(*ap, unsigned));
    } else if (!strcmp(spec, "%ld")) {
        buf_put_i64(b, va_arg(*ap, long));
    } else if (!strcmp(spec, "%lu")) {
        buf_put_u64(b, va_arg(*ap, unsigned long));
    } else if (!strcmp(spec, "%lld")) {
        buf_put_i64(b, va_arg(*ap, long long));
    } else if (!strcmp(spec, "%llu")) {
        buf_put_u64(b, va_arg(*ap, unsigned long long));
    } else if (!strcmp(spec, "%zu")) {
        buf_put_u64(b, va_arg(*ap, size_t));
    } else {
        return false;
    }
    return true;
}

void log_write(int level, const char *msg, const char *fields, ...)
{
    if (level < min_level) return;
    char ts[32];
    clock_rfc3339_ms(clock_wall_ms(), ts);
    buf_t b = {0};
    buf_reserve(&b, 256);
    buf_puts(&b, "{\"ts\":\"");
    buf_puts(&b, ts);
    buf_puts(&b, "\",\"level\":\"");
    buf_puts(&b, level_names[level]);
    buf_puts(&b, "\",\"msg\":");
    buf_json_cstr(&b, msg);
    va_list ap;
    va_start(ap, fields);
    const char *f = fields ? fields : "";
    while (*f) {
        if (*f == ' ') { f++; continue; }
        if (!put_field(&b, &f, &ap)) {
            buf_puts(&b, ",\"logFormatError\":");
            buf_json_cstr(&b, f);
            break;
        }
    }
    va_end(ap);
    buf_puts(&b, "}\n");
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = write(sink_fd, b.data + off, b.len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    buf_free(&b);
}
