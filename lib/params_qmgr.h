/*
 * NAME
 *	params_qmgr 3h - the qmgr parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_qmgr.def, definitions in
 *	params_qmgr.c.  Times are in seconds.
 */
#ifndef PETREL_PARAMS_QMGR_H
#define PETREL_PARAMS_QMGR_H

#include "sys_defs.h"

/* Queue scans and retries. */
extern long var_queue_run_delay;
extern long var_minimal_backoff_time;
extern long var_maximal_backoff_time;
extern long var_maximal_queue_lifetime;
extern long var_bounce_queue_lifetime;
extern long var_delay_warning_time;

/* The scheduler. */
extern long var_default_destination_concurrency_limit;
extern long var_default_destination_recipient_limit;
extern long var_local_destination_concurrency_limit;
extern long var_local_destination_recipient_limit;
extern long var_qmgr_message_active_limit;
extern long var_qmgr_ipc_timeout;

#endif
