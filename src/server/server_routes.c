/*
 * server_routes.c: the one route table. Each route names the least role it needs; the
 * router (core/router.c) enforces it before the handler runs. Add a module's routes
 * here, beside its siblings.
 */
#include "accounts/accounts_api.h"
#include "actlog/actlog_api.h"
#include "catalog/catalog_api.h"
#include "compliance/compliance_api.h"
#include "dr/dr_api.h"
#include "upgrade/upgrade_api.h"
#include "findings/findings_api.h"
#include "helpdesk/tickets_api.h"
#include "hosts/hosts.h"
#include "hosts/hosts_api.h"
#include "jobs/jobs_api.h"
#include "kb/kb_api.h"
#include "maint/maint_api.h"
#include "server/server.h"
#include "training/training_api.h"
#include "vuln/vuln_api.h"

const struct route server_routes[] = {
	{"GET", "/api/v1/health", ROLE_PUBLIC, server_api_health},
	{"GET", "/api/v1/dashboard", ROLE_EMPLOYEE, server_api_dashboard},

	/* accounts */
	{"POST", "/api/v1/session", ROLE_PUBLIC, accounts_api_login},
	{"DELETE", "/api/v1/session", ROLE_EMPLOYEE, accounts_api_logout},
	{"GET", "/api/v1/me", ROLE_EMPLOYEE, accounts_api_me},
	{"GET", "/api/v1/users", ROLE_ADMIN, accounts_api_users_list},
	{"POST", "/api/v1/users", ROLE_ADMIN, accounts_api_users_add},
	{"GET", "/api/v1/users/{name}", ROLE_ADMIN, accounts_api_users_get},
	{"POST", "/api/v1/users/{name}/disable", ROLE_ADMIN, accounts_api_users_disable},
	{"POST", "/api/v1/users/{name}/enable", ROLE_ADMIN, accounts_api_users_enable},

	/* activity log */
	{"GET", "/api/v1/log", ROLE_ADMIN, actlog_api_list},

	/* the fleet: agents authenticate with their host credential in the handler */
	{"POST", "/api/v1/agent/enroll", ROLE_PUBLIC, hosts_api_enroll},
	{"POST", "/api/v1/agent/report", ROLE_PUBLIC, hosts_api_report, HOSTS_REPORT_MAX},
	{"GET", "/api/v1/hosts", ROLE_SUPPORT, hosts_api_list},
	{"POST", "/api/v1/hosts/enroll-tokens", ROLE_ADMIN, hosts_api_enroll_token},
	{"GET", "/api/v1/hosts/{host}", ROLE_SUPPORT, hosts_api_show},
	{"PATCH", "/api/v1/hosts/{host}", ROLE_ADMIN, hosts_api_update},
	{"DELETE", "/api/v1/hosts/{host}", ROLE_ADMIN, hosts_api_remove},
	{"GET", "/api/v1/hosts/{host}/history", ROLE_SUPPORT, hosts_api_history},

	/* remote jobs: people queue them, agents long-poll for them and post results */
	{"POST", "/api/v1/hosts/{host}/refresh", ROLE_SUPPORT, jobs_api_refresh},
	{"POST", "/api/v1/hosts/{host}/diagnose", ROLE_SUPPORT, jobs_api_diagnose},
	{"POST", "/api/v1/hosts/{host}/run", ROLE_ADMIN, jobs_api_run},
	{"GET", "/api/v1/jobs", ROLE_SUPPORT, jobs_api_list},
	{"GET", "/api/v1/jobs/{id}", ROLE_SUPPORT, jobs_api_get},
	{"GET", "/api/v1/agent/jobs", ROLE_PUBLIC, jobs_api_poll},
	{"POST", "/api/v1/agent/jobs/{id}/result", ROLE_PUBLIC, jobs_api_result},

	/* the help desk: who sees which ticket is decided in helpdesk/tickets.c */
	{"GET", "/api/v1/tickets", ROLE_EMPLOYEE, tickets_api_list},
	{"POST", "/api/v1/tickets", ROLE_EMPLOYEE, tickets_api_create, TICKETS_BODY_MAX},
	{"GET", "/api/v1/tickets/{number}", ROLE_EMPLOYEE, tickets_api_show},
	{"PATCH", "/api/v1/tickets/{number}", ROLE_EMPLOYEE, tickets_api_update, TICKETS_BODY_MAX},
	{"POST", "/api/v1/tickets/{number}/comments", ROLE_EMPLOYEE, tickets_api_comment, TICKETS_BODY_MAX},
	{"POST", "/api/v1/tickets/{number}/rating", ROLE_EMPLOYEE, tickets_api_rate},
	{"POST", "/api/v1/tickets/{number}/attachments", ROLE_EMPLOYEE, tickets_api_attach, TICKETS_UPLOAD_MAX},
	{"GET", "/api/v1/tickets/{number}/attachments/{id}", ROLE_EMPLOYEE, tickets_api_attachment},
	{"POST", "/api/v1/tickets/{number}/article", ROLE_SUPPORT, tickets_api_to_article},
	{"POST", "/api/v1/tickets/{number}/links", ROLE_SUPPORT, tickets_api_link},
	{"POST", "/api/v1/tickets/{number}/merge", ROLE_SUPPORT, tickets_api_merge},
	{"POST", "/api/v1/tickets/{number}/fix", ROLE_SUPPORT, tickets_api_run_fix},
	{"GET", "/api/v1/canned", ROLE_SUPPORT, tickets_api_canned},
	{"POST", "/api/v1/canned", ROLE_SUPPORT, tickets_api_canned_add},
	{"DELETE", "/api/v1/canned/{id}", ROLE_ADMIN, tickets_api_canned_remove},
	{"GET", "/api/v1/fixes", ROLE_SUPPORT, tickets_api_fixes},
	{"POST", "/api/v1/fixes", ROLE_ADMIN, tickets_api_fix_add},
	{"GET", "/api/v1/staff", ROLE_SUPPORT, tickets_api_staff},
	{"GET", "/api/v1/search", ROLE_EMPLOYEE, tickets_api_search},
	{"GET", "/api/v1/helpdesk/settings", ROLE_SUPPORT, tickets_api_settings},
	{"PUT", "/api/v1/helpdesk/settings", ROLE_ADMIN, tickets_api_settings_update},

	/* software catalogue and requests: who sees and decides what is in src/catalog/catalog.c */
	{"GET", "/api/v1/catalog", ROLE_EMPLOYEE, catalog_api_list},
	{"POST", "/api/v1/catalog", ROLE_ADMIN, catalog_api_add},
	{"GET", "/api/v1/catalog/{item}", ROLE_EMPLOYEE, catalog_api_show},
	{"PATCH", "/api/v1/catalog/{item}", ROLE_ADMIN, catalog_api_edit},
	{"DELETE", "/api/v1/catalog/{item}", ROLE_ADMIN, catalog_api_remove},
	{"GET", "/api/v1/software-requests", ROLE_EMPLOYEE, catalog_api_requests},
	{"POST", "/api/v1/software-requests", ROLE_EMPLOYEE, catalog_api_request},
	{"GET", "/api/v1/software-requests/{id}", ROLE_EMPLOYEE, catalog_api_request_show},
	{"POST", "/api/v1/software-requests/{id}/approve", ROLE_SUPPORT, catalog_api_approve},
	{"POST", "/api/v1/software-requests/{id}/reject", ROLE_SUPPORT, catalog_api_reject},

	/* knowledge base: what a reader sees depends on their role (src/kb/kb.h) */
	{"GET", "/api/v1/kb/articles", ROLE_EMPLOYEE, kb_api_list},
	{"POST", "/api/v1/kb/articles", ROLE_SUPPORT, kb_api_create},
	{"GET", "/api/v1/kb/articles/{article}", ROLE_EMPLOYEE, kb_api_show},
	{"PATCH", "/api/v1/kb/articles/{article}", ROLE_SUPPORT, kb_api_update},
	{"GET", "/api/v1/kb/articles/{article}/revisions", ROLE_SUPPORT, kb_api_revisions},
	{"GET", "/api/v1/kb/search", ROLE_EMPLOYEE, kb_api_search},
	{"GET", "/api/v1/kb/suggest", ROLE_EMPLOYEE, kb_api_suggest},

	/* training: employees see the courses assigned to them, admins every course (src/training/training.h) */
	{"GET", "/api/v1/courses", ROLE_EMPLOYEE, training_api_courses},
	{"POST", "/api/v1/courses", ROLE_ADMIN, training_api_course_create},
	{"GET", "/api/v1/courses/{id}", ROLE_EMPLOYEE, training_api_course_show},
	{"PATCH", "/api/v1/courses/{id}", ROLE_ADMIN, training_api_course_update},
	{"POST", "/api/v1/courses/{id}/assign", ROLE_ADMIN, training_api_course_assign},
	{"POST", "/api/v1/courses/{id}/complete", ROLE_ADMIN, training_api_course_complete},
	{"POST", "/api/v1/courses/{id}/lessons/{n}/read", ROLE_EMPLOYEE, training_api_lesson_read},
	{"POST", "/api/v1/courses/{id}/quiz", ROLE_EMPLOYEE, training_api_quiz},
	{"GET", "/api/v1/training/me", ROLE_EMPLOYEE, training_api_me},
	{"GET", "/api/v1/training/assignments", ROLE_ADMIN, training_api_assignments},
	{"POST", "/api/v1/training/notices", ROLE_ADMIN, training_api_notice},

	/* disaster recovery: support staff read plans and their history, admins change and run them */
	/* maintenance windows: support staff read them, admins change them */
	{"GET", "/api/v1/maintenance/windows", ROLE_SUPPORT, maint_api_list},
	{"POST", "/api/v1/maintenance/windows", ROLE_ADMIN, maint_api_add},
	{"GET", "/api/v1/maintenance/windows/{window}", ROLE_SUPPORT, maint_api_show},
	{"PATCH", "/api/v1/maintenance/windows/{window}", ROLE_ADMIN, maint_api_edit},
	{"DELETE", "/api/v1/maintenance/windows/{window}", ROLE_ADMIN, maint_api_remove},
	{"GET", "/api/v1/upgrades/plans", ROLE_SUPPORT, upgrade_api_list},
	{"POST", "/api/v1/upgrades/plans", ROLE_ADMIN, upgrade_api_create},
	{"GET", "/api/v1/upgrades/plans/{plan}", ROLE_SUPPORT, upgrade_api_show},
	{"POST", "/api/v1/upgrades/plans/{plan}/run", ROLE_ADMIN, upgrade_api_run},
	{"POST", "/api/v1/upgrades/plans/{plan}/cancel", ROLE_ADMIN, upgrade_api_cancel},
	{"GET", "/api/v1/dr/plans", ROLE_SUPPORT, dr_api_list},
	{"POST", "/api/v1/dr/plans", ROLE_ADMIN, dr_api_create},
	{"GET", "/api/v1/dr/plans/{plan}", ROLE_SUPPORT, dr_api_show},
	{"PATCH", "/api/v1/dr/plans/{plan}", ROLE_ADMIN, dr_api_update},
	{"DELETE", "/api/v1/dr/plans/{plan}", ROLE_ADMIN, dr_api_remove},
	{"POST", "/api/v1/dr/plans/{plan}/backup", ROLE_ADMIN, dr_api_backup},
	{"POST", "/api/v1/dr/plans/{plan}/drill", ROLE_ADMIN, dr_api_drill},
	{"GET", "/api/v1/dr/plans/{plan}/snapshots", ROLE_SUPPORT, dr_api_snapshots},
	{"GET", "/api/v1/dr/plans/{plan}/runs", ROLE_SUPPORT, dr_api_runs},
	{"GET", "/api/v1/dr/plans/{plan}/drills", ROLE_SUPPORT, dr_api_drills},

	/* findings raised by any module */
	{"GET", "/api/v1/findings", ROLE_SUPPORT, findings_api_list},

	/* vulnerabilities and patch compliance */
	{"GET", "/api/v1/vulns", ROLE_SUPPORT, vuln_api_list},
	{"GET", "/api/v1/vulns/feeds", ROLE_SUPPORT, vuln_api_feeds},
	{"GET", "/api/v1/vulns/{cve}", ROLE_SUPPORT, vuln_api_show},
	{"GET", "/api/v1/hosts/{host}/vulns", ROLE_SUPPORT, vuln_api_host},
	{"GET", "/api/v1/compliance", ROLE_SUPPORT, compliance_api_summary},
	{"GET", "/api/v1/compliance/upgrades", ROLE_SUPPORT, compliance_api_upgrades},
	{"GET", "/api/v1/compliance/history", ROLE_SUPPORT, compliance_api_history},
	{"POST", "/api/v1/compliance/snapshot", ROLE_ADMIN, compliance_api_snapshot},
	{"GET", "/api/v1/compliance/policy", ROLE_SUPPORT, compliance_api_policy_get},
	{"PUT", "/api/v1/compliance/policy", ROLE_ADMIN, compliance_api_policy_set},

	{NULL, NULL, ROLE_PUBLIC, NULL},
};
