/* cppcheck-macros.h — definitions cppcheck cannot take from the system
 * headers it does not read (make lint passes this with --include). */
#define cJSON_ArrayForEach(e, a) for ((e) = (a) ? (a)->child : 0; (e); (e) = (e)->next)
