/*
 * commands.h: every subcommand's entry point, for the table in main.c. Each lives in
 * its module's *_cli.c.
 */
#ifndef WARD_COMMANDS_H
#define WARD_COMMANDS_H

#include "core/cli.h"

/* server/server_cli.c */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);

/* accounts/accounts_cli.c */
int cmd_user_add(struct cli *cli, int argc, char **argv);
int cmd_user_list(struct cli *cli, int argc, char **argv);
int cmd_user_show(struct cli *cli, int argc, char **argv);
int cmd_user_passwd(struct cli *cli, int argc, char **argv);
int cmd_user_disable(struct cli *cli, int argc, char **argv);
int cmd_user_enable(struct cli *cli, int argc, char **argv);
int cmd_user_unlock(struct cli *cli, int argc, char **argv);
int cmd_token_create(struct cli *cli, int argc, char **argv);
int cmd_token_list(struct cli *cli, int argc, char **argv);
int cmd_token_revoke(struct cli *cli, int argc, char **argv);

/* hosts/hosts_cli.c */
int cmd_host_enroll_token(struct cli *cli, int argc, char **argv);
int cmd_host_list(struct cli *cli, int argc, char **argv);
int cmd_host_show(struct cli *cli, int argc, char **argv);
int cmd_host_history(struct cli *cli, int argc, char **argv);
int cmd_host_set(struct cli *cli, int argc, char **argv);
int cmd_host_remove(struct cli *cli, int argc, char **argv);

/* jobs/jobs_cli.c */
int cmd_host_run(struct cli *cli, int argc, char **argv);
int cmd_host_diagnose(struct cli *cli, int argc, char **argv);
int cmd_host_refresh(struct cli *cli, int argc, char **argv);
int cmd_job_list(struct cli *cli, int argc, char **argv);
int cmd_job_show(struct cli *cli, int argc, char **argv);

/* agent/agent_cli.c */
int cmd_agent_enroll(struct cli *cli, int argc, char **argv);
int cmd_agent_run(struct cli *cli, int argc, char **argv);
int cmd_inventory(struct cli *cli, int argc, char **argv);

/* helpdesk/tickets_cli.c */
int cmd_ticket_new(struct cli *cli, int argc, char **argv);
int cmd_ticket_list(struct cli *cli, int argc, char **argv);
int cmd_ticket_show(struct cli *cli, int argc, char **argv);
int cmd_ticket_comment(struct cli *cli, int argc, char **argv);
int cmd_ticket_assign(struct cli *cli, int argc, char **argv);
int cmd_ticket_escalate(struct cli *cli, int argc, char **argv);
int cmd_ticket_deescalate(struct cli *cli, int argc, char **argv);
int cmd_ticket_resolve(struct cli *cli, int argc, char **argv);
int cmd_ticket_close(struct cli *cli, int argc, char **argv);
int cmd_ticket_index(struct cli *cli, int argc, char **argv);
int cmd_ticket_set(struct cli *cli, int argc, char **argv);
int cmd_ticket_search(struct cli *cli, int argc, char **argv);
int cmd_ticket_sla_check(struct cli *cli, int argc, char **argv);
int cmd_helpdesk_settings(struct cli *cli, int argc, char **argv);

/* helpdesk/mail_cli.c */
int cmd_mail_ingest(struct cli *cli, int argc, char **argv);
int cmd_mail_send(struct cli *cli, int argc, char **argv);
int cmd_mail_outbox(struct cli *cli, int argc, char **argv);

/* catalog/catalog_cli.c */
int cmd_catalog_add(struct cli *cli, int argc, char **argv);
int cmd_catalog_edit(struct cli *cli, int argc, char **argv);
int cmd_catalog_list(struct cli *cli, int argc, char **argv);
int cmd_catalog_show(struct cli *cli, int argc, char **argv);
int cmd_catalog_remove(struct cli *cli, int argc, char **argv);
int cmd_request_add(struct cli *cli, int argc, char **argv);
int cmd_request_list(struct cli *cli, int argc, char **argv);
int cmd_request_show(struct cli *cli, int argc, char **argv);
int cmd_request_approve(struct cli *cli, int argc, char **argv);
int cmd_request_reject(struct cli *cli, int argc, char **argv);

/* kb/kb_cli.c */
int cmd_kb_add(struct cli *cli, int argc, char **argv);
int cmd_kb_edit(struct cli *cli, int argc, char **argv);
int cmd_kb_show(struct cli *cli, int argc, char **argv);
int cmd_kb_list(struct cli *cli, int argc, char **argv);
int cmd_kb_search(struct cli *cli, int argc, char **argv);

/* training/training_cli.c */
int cmd_course_add(struct cli *cli, int argc, char **argv);
int cmd_course_edit(struct cli *cli, int argc, char **argv);
int cmd_course_assign(struct cli *cli, int argc, char **argv);
int cmd_course_status(struct cli *cli, int argc, char **argv);
int cmd_course_complete(struct cli *cli, int argc, char **argv);
int cmd_course_list(struct cli *cli, int argc, char **argv);
int cmd_course_notice(struct cli *cli, int argc, char **argv);
int cmd_course_remind(struct cli *cli, int argc, char **argv);

/* backup/backup_cli.c */
int cmd_backup_init(struct cli *cli, int argc, char **argv);
int cmd_backup_key(struct cli *cli, int argc, char **argv);
int cmd_backup_check(struct cli *cli, int argc, char **argv);
int cmd_backup_unlock(struct cli *cli, int argc, char **argv);

/* backup/backup_run_cli.c */
int cmd_backup_run(struct cli *cli, int argc, char **argv);
int cmd_backup_snapshots(struct cli *cli, int argc, char **argv);
int cmd_backup_ls(struct cli *cli, int argc, char **argv);
int cmd_backup_restore(struct cli *cli, int argc, char **argv);

/* backup/backup_admin_cli.c */
int cmd_backup_forget(struct cli *cli, int argc, char **argv);
int cmd_backup_prune(struct cli *cli, int argc, char **argv);
int cmd_backup_diff(struct cli *cli, int argc, char **argv);
int cmd_backup_stats(struct cli *cli, int argc, char **argv);

/* software/software_cli.c */
int cmd_vercmp(struct cli *cli, int argc, char **argv);
int cmd_upgrades(struct cli *cli, int argc, char **argv);
int cmd_needrestart(struct cli *cli, int argc, char **argv);

/* maint/maint_cli.c */
int cmd_window_add(struct cli *cli, int argc, char **argv);
int cmd_window_edit(struct cli *cli, int argc, char **argv);
int cmd_window_list(struct cli *cli, int argc, char **argv);
int cmd_window_show(struct cli *cli, int argc, char **argv);
int cmd_window_remove(struct cli *cli, int argc, char **argv);

/* upgrade/upgrade_cli.c */
int cmd_upgrade_plan(struct cli *cli, int argc, char **argv);
int cmd_upgrade_list(struct cli *cli, int argc, char **argv);
int cmd_upgrade_show(struct cli *cli, int argc, char **argv);
int cmd_upgrade_run(struct cli *cli, int argc, char **argv);
int cmd_upgrade_cancel(struct cli *cli, int argc, char **argv);

/* dr/dr_cli.c */
int cmd_dr_plan(struct cli *cli, int argc, char **argv);
int cmd_dr_backup(struct cli *cli, int argc, char **argv);
int cmd_dr_drill(struct cli *cli, int argc, char **argv);
int cmd_dr_status(struct cli *cli, int argc, char **argv);
int cmd_dr_runs(struct cli *cli, int argc, char **argv);
int cmd_dr_check(struct cli *cli, int argc, char **argv);

/* findings/findings_cli.c */
int cmd_finding_list(struct cli *cli, int argc, char **argv);

/* actlog/actlog_cli.c */
int cmd_log_list(struct cli *cli, int argc, char **argv);
int cmd_log_verify(struct cli *cli, int argc, char **argv);

/* compliance/compliance_cli.c */
int cmd_compliance_show(struct cli *cli, int argc, char **argv);
int cmd_compliance_upgrades(struct cli *cli, int argc, char **argv);
int cmd_compliance_overdue(struct cli *cli, int argc, char **argv);
int cmd_compliance_history(struct cli *cli, int argc, char **argv);
int cmd_compliance_snapshot(struct cli *cli, int argc, char **argv);
int cmd_compliance_policy(struct cli *cli, int argc, char **argv);

/* vuln/vuln_cli.c */
int cmd_vuln_import(struct cli *cli, int argc, char **argv);
int cmd_vuln_feeds(struct cli *cli, int argc, char **argv);
int cmd_vuln_check(struct cli *cli, int argc, char **argv);
int cmd_vuln_list(struct cli *cli, int argc, char **argv);
int cmd_vuln_show(struct cli *cli, int argc, char **argv);

#endif
