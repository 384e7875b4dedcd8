/*
 * test_spin_policy.c - the futex waiters' spin budget (transport/
 * spin_policy.h): small messages keep the base budget whatever the waits;
 * large ones get twice their recent waits, within the cap; waits beyond
 * the cap, a fixed budget and "never spin" keep the base; one long wait
 * is forgotten within two calls; size classes do not mix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "transport/spin_policy.h"

#define US 1000LL
#define MS (1000 * US)
#define KIB ((size_t)1024)
#define MIB (1024 * KIB)
#define BASE (200 * US)

static void test_small_messages_keep_the_base(void **state)
{
	struct spin_policy p;

	(void)state;
	shmrpc__spin_policy_init(&p, BASE, true);
	assert_int_equal(shmrpc__spin_budget(&p, 100), BASE);
	/* Waits for small messages are noted nowhere... */
	for (int i = 0; i < 10; i++)
		shmrpc__spin_note(&p, 10 * KIB, 900 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 10 * KIB), BASE);
	assert_int_equal(shmrpc__spin_budget(&p, SPIN_ADAPT_MIN_BYTES - 1),
	    BASE);
	/* ...and change no large class. */
	assert_int_equal(shmrpc__spin_budget(&p, 300 * KIB), 300 * US);
}

static void test_first_large_wait_guessed_from_size(void **state)
{
	struct spin_policy p;

	(void)state;
	shmrpc__spin_policy_init(&p, BASE, true);
	/* 1 us a KiB, at least the base, at most the cap. */
	assert_int_equal(shmrpc__spin_budget(&p, 64 * KIB), BASE);
	assert_int_equal(shmrpc__spin_budget(&p, 512 * KIB), 512 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), SPIN_CAP_NS);
	assert_int_equal(shmrpc__spin_budget(&p, 64 * MIB), SPIN_CAP_NS);
}

static void test_large_budget_follows_waits(void **state)
{
	struct spin_policy p;

	(void)state;
	shmrpc__spin_policy_init(&p, BASE, true);
	shmrpc__spin_note(&p, 2 * MIB, 600 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), 1200 * US);
	/* EWMA, a quarter for the newest wait. */
	shmrpc__spin_note(&p, 2 * MIB, 200 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), 1000 * US);
	/* Short waits: never below the base. */
	for (int i = 0; i < 40; i++)
		shmrpc__spin_note(&p, 2 * MIB, 10 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), BASE);
	/* Waits near the cap: the budget stops at it. */
	for (int i = 0; i < 40; i++)
		shmrpc__spin_note(&p, 2 * MIB, 1900 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), SPIN_CAP_NS);
	/* Other classes are untouched (their guess stands). */
	assert_int_equal(shmrpc__spin_budget(&p, 100 * KIB), BASE);
	assert_int_equal(shmrpc__spin_budget(&p, 800 * KIB), 800 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 8 * MIB), SPIN_CAP_NS);
}

/* The CPU promise: a peer slower than the cap gets the base budget. */
static void test_slow_peer_gets_the_base(void **state)
{
	struct spin_policy p;

	(void)state;
	shmrpc__spin_policy_init(&p, BASE, true);
	shmrpc__spin_note(&p, 2 * MIB, 100 * MS);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), BASE);
	for (int i = 0; i < 100; i++)
		shmrpc__spin_note(&p, 2 * MIB, 100 * MS);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), BASE);
	/* Back to fast calls: adapting again within a few calls. */
	int calls = 0;
	while (shmrpc__spin_budget(&p, 2 * MIB) == BASE && calls < 10) {
		shmrpc__spin_note(&p, 2 * MIB, 600 * US);
		calls++;
	}
	assert_in_range(calls, 1, 5);
	assert_in_range(shmrpc__spin_budget(&p, 2 * MIB), 1200 * US,
	    SPIN_CAP_NS);
}

/* One long wait among fast ones does not cost the next call its spin;
 * two in a row do, and are forgotten within two calls. */
static void test_one_long_wait_is_forgotten(void **state)
{
	struct spin_policy p;

	(void)state;
	shmrpc__spin_policy_init(&p, BASE, true);
	for (int i = 0; i < 20; i++)
		shmrpc__spin_note(&p, 2 * MIB, 600 * US);
	shmrpc__spin_note(&p, 2 * MIB, 5000 * MS);
	assert_true(shmrpc__spin_budget(&p, 2 * MIB) > BASE);
	shmrpc__spin_note(&p, 2 * MIB, 5000 * MS);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), BASE);
	shmrpc__spin_note(&p, 2 * MIB, 600 * US);
	shmrpc__spin_note(&p, 2 * MIB, 600 * US);
	assert_true(shmrpc__spin_budget(&p, 2 * MIB) > BASE);
}

static void test_fixed_and_never(void **state)
{
	struct spin_policy p;

	(void)state;
	/* An explicit budget is fixed. */
	shmrpc__spin_policy_init(&p, 50 * US, false);
	shmrpc__spin_note(&p, 2 * MIB, 600 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), 50 * US);
	assert_false(shmrpc__spin_adapts(&p, 2 * MIB));
	/* Never spin stays never. */
	shmrpc__spin_policy_init(&p, 0, true);
	shmrpc__spin_note(&p, 2 * MIB, 600 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), 0);
	shmrpc__spin_policy_init(&p, -5, true);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), 0);
	/* A base above the cap: nothing to adapt. */
	shmrpc__spin_policy_init(&p, 5 * MS, true);
	shmrpc__spin_note(&p, 2 * MIB, 100 * US);
	assert_int_equal(shmrpc__spin_budget(&p, 2 * MIB), 5 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_messages_keep_the_base),
		cmocka_unit_test(test_first_large_wait_guessed_from_size),
		cmocka_unit_test(test_large_budget_follows_waits),
		cmocka_unit_test(test_slow_peer_gets_the_base),
		cmocka_unit_test(test_one_long_wait_is_forgotten),
		cmocka_unit_test(test_fixed_and_never),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
