/*
 * NAME
 *	params_qmgr 3 - storage for the qmgr parameters
 * DESCRIPTION
 *	One definition per variable declared in params_qmgr.h; the table
 *	rows are in params_qmgr.def.
 */
#include "sys_defs.h"

#include "params.h"

long	var_queue_run_delay;
long	var_minimal_backoff_time;
long	var_maximal_backoff_time;
long	var_maximal_queue_lifetime;
long	var_bounce_queue_lifetime;
long	var_delay_warning_time;

long	var_default_destination_concurrency_limit;
long	var_default_destination_recipient_limit;
long	var_local_destination_concurrency_limit;
long	var_local_destination_recipient_limit;
long	var_qmgr_message_active_limit;
long	var_qmgr_ipc_timeout;
