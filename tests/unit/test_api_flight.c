/* test_api_flight.c — identical concurrent live requests share one call. */
#include "api/flight.h"
#include "test.h"

static int cancels, delivered;
static char got[8][32];

static void on_res(const kube_response_t *res, void *ud)
{
    snprintf(got[delivered++], sizeof got[0], "%s:%d", (const char *)ud, res->status);
}

static void on_cancel(void *ud)
{
    (void)ud;
    cancels++;
}

TEST(joiners_share_the_first_call_and_all_get_the_answer)
{
    api_flights_t fl;
    api_flights_init(&fl);
    api_flight_waiter_t a, b, c;
    bool first;
    api_flight_t *f = api_flight_join(&fl, "ann\nGET /x", 10, &a, on_res, "a", &first);
    CHECK(first);
    f->cancel = on_cancel;
    api_flight_t *f2 = api_flight_join(&fl, "ann\nGET /x", 10, &b, on_res, "b", &first);
    CHECK(!first);
    CHECK(f2 == f);
    api_flight_t *g = api_flight_join(&fl, "bob\nGET /x", 10, &c, on_res, "c", &first);
    CHECK(first); /* another user: another call */
    CHECK(g != f);
    CHECK_INT(fl.coalesced_total, 1);
    kube_response_t res = {.status = 200};
    api_flight_finish(&fl, f, &res);
    CHECK_INT(delivered, 2);
    CHECK_STR(got[0], "a:200");
    CHECK_STR(got[1], "b:200");
    CHECK_INT(cancels, 0);
    /* a new request after the answer starts a new call */
    api_flight_join(&fl, "ann\nGET /x", 10, &a, on_res, "a", &first);
    CHECK(first);
    api_flights_free(&fl);
}

TEST(the_call_is_cancelled_only_when_the_last_waiter_leaves)
{
    api_flights_t fl;
    api_flights_init(&fl);
    api_flight_waiter_t a, b;
    bool first;
    api_flight_t *f = api_flight_join(&fl, "k", 1, &a, on_res, "a", &first);
    f->cancel = on_cancel;
    api_flight_join(&fl, "k", 1, &b, on_res, "b", &first);
    api_flight_leave(&fl, &a);
    CHECK_INT(cancels, 0);
    api_flight_leave(&fl, &b);
    CHECK_INT(cancels, 1);
    /* leaving twice is harmless */
    api_flight_leave(&fl, &b);
    CHECK_INT(cancels, 1);
    CHECK_INT(fl.m.len, 0);
    api_flights_free(&fl);
}

TEST(a_waiter_that_left_gets_nothing)
{
    api_flights_t fl;
    api_flights_init(&fl);
    api_flight_waiter_t a, b;
    bool first;
    api_flight_t *f = api_flight_join(&fl, "k", 1, &a, on_res, "a", &first);
    api_flight_join(&fl, "k", 1, &b, on_res, "b", &first);
    api_flight_leave(&fl, &a);
    kube_response_t res = {.status = 404};
    api_flight_finish(&fl, f, &res);
    CHECK_INT(delivered, 1);
    CHECK_STR(got[0], "b:404");
    api_flights_free(&fl);
}

TEST_MAIN()
