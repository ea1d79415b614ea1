/*
 * list.h - every unit test, once, as an X-macro list.
 *
 * The runner includes this file with X defined to declare the tests and
 * again to build its table, in this order.  A TEST(name) in a test_*.c file
 * that is missing here is never run; a name here without a TEST fails to
 * link.
 */

/* test_switch.c */
X(switch_preserves_registers)
X(switch_preserves_callee_saved)
X(switch_preserves_fp_control)
X(switch_keeps_fp_words_that_differ_alone)

/* test_errno.c */
X(errno_per_green_thread)
X(errno_kept_across_sleep)

/* test_thread.c */
X(thread_join_exit_value)
X(thread_main_green_exit)
X(thread_join_errors)
X(thread_timedjoin)
X(thread_ids)
X(thread_names)
X(thread_nested_main_refused)
X(thread_self_outside_is_null)
X(thread_spawn_runs_on_yield)
X(thread_main_waits_for_detached)
X(thread_spawn_join_many)
X(thread_small_stack)

/* test_spawn.c */
X(spawn_join_switches_straight_back)
X(spawn_join_timed_out_as_thread_ends)

/* test_sleep.c */
X(sleep_10000_wake_in_deadline_order)
X(sleep_einval_and_lower_bound)
X(sleep_wakes_while_others_yield)

/* test_mutex.c */
X(mutex_contention_exact_count)
X(mutex_trylock_busy)
X(mutex_errorcheck)
X(mutex_recursive)
X(mutex_init_einval)
X(mutex_timedlock)
X(mutex_fifo_handoff)
X(mutex_destroy_busy)

/* test_cond.c */
X(cond_broadcast_wakes_all)
X(cond_signal_wakes_one)
X(cond_timedwait_timeout)
X(cond_clockwait_signalled_in_time)
X(cond_einval_eperm)
X(cond_producer_consumer)

/* test_sem.c */
X(sem_counting)
X(sem_limits)
X(sem_post_wakes_waiter)
X(sem_timedwait)
X(sem_producer_consumer)

/* test_rwlock.c */
X(rwlock_readers_share)
X(rwlock_writer_excludes)
X(rwlock_mixed_load)
X(rwlock_edeadlk_eperm)
X(rwlock_timed)

/* test_once.c */
X(once_runs_exactly_once)
X(once_objects_independent)

/* test_io.c */
X(io_echo_64mib_read_write)
X(io_echo_4mib_recv_send)
X(io_pipe_and_regular_file)
X(io_read_timeout)
X(io_wait_fd)
X(io_close_wakes_waiters)
X(io_nonblock_flag_restored)
X(io_tcp_accept_connect)
X(io_connect_refused)
X(io_errno_kept_across_a_wait)
X(io_fair_between_threads_that_never_wait)
X(io_number_reused_after_a_plain_close)

/* test_overflow.c */
X(overflow_reported)
X(overflow_altstack_per_os_thread)
X(overflow_reported_on_second_hub)

/* test_offload.c */
X(offload_pool_bounded_and_hub_runs)
X(offload_jobs_run_side_by_side)

/* test_workers.c */
X(workers_mutex_exact_count)
X(workers_cond_handoff_fifo)
X(workers_sem_every_post_taken_once)
X(workers_rwlock_no_torn_reads)
X(workers_once_sleep_detach_result)

/* test_cpuclock.c */
X(cpuclock_ids_name_live_threads)
X(cpuclock_charges_the_thread_switched_out)

/* test_observe.c */
X(observe_running_thread_from_another_os_thread)
X(observe_thread_whose_memory_is_gone)
X(observe_thread_kept_only_if_the_hub_did_not_switch)
