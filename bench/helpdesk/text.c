/*
 * bench/helpdesk/text.c: random numbers, Zipf draws, and the text of the help-desk
 * benchmark: an IT-support vocabulary (topics with their own words, error codes and
 * fixes; everyday words; a long tail of rare terms, names and references) spoken in
 * sentences whose word frequencies fall off like a natural language's.
 */
#include "text.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* ------------------------------------------------------------------ random */

static uint64_t rs[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(void) /* xoshiro256** */
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
	rs[2] ^= rs[0], rs[3] ^= rs[1], rs[1] ^= rs[2], rs[0] ^= rs[3], rs[2] ^= t, rs[3] = rotl(rs[3], 45);
	return r;
}

void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++) { /* splitmix64 */
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rs[i] = z ^ (z >> 31);
	}
}

double unit(void)
{
	return (double)(rng_next() >> 11) * 0x1.0p-53;
}

int64_t below(int64_t n)
{
	return n > 0 ? (int64_t)(rng_next() % (uint64_t)n) : 0;
}

bool chance(double p)
{
	return unit() < p;
}

double normal(void)
{
	double u = unit(), v = unit();
	return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

int64_t lognormal(double median, double sigma)
{
	return (int64_t)(median * exp(sigma * normal()));
}

int poisson(double mean)
{
	double l = exp(-mean), p = 1.0;
	int k = 0;
	do {
		k++;
		p *= unit();
	} while (p > l && k < 1000);
	return k - 1;
}

void zipf_init(struct zipf *z, int n, double s)
{
	z->n = n;
	z->cdf = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
	if (!z->cdf)
		fatal("out of memory");
	double sum = 0;
	for (int i = 0; i < n; i++)
		z->cdf[i] = (sum += 1.0 / pow(i + 1, s));
	for (int i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

int zipf_draw(const struct zipf *z)
{
	double u = unit();
	int lo = 0, hi = z->n - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ----------------------------------------------------------- vocabulary */

/* Function words and the everyday language of tickets, most frequent first. */
static const char *const common[] = {
    "the",	    "to",      "I",	    "and",	"a",	      "is",	   "it",       "my",	    "not",
    "on",	    "for",     "of",	    "in",	"can",	      "this",	   "with",     "when",	    "but",
    "have",	    "please",  "since",	    "again",	"after",      "now",	   "still",    "we",	    "you",
    "be",	    "that",    "from",	    "at",	"any",	      "working",   "error",    "help",	    "get",
    "it's",	    "tried",   "restart",   "morning",	"today",      "yesterday", "computer", "message",   "open",
    "need",	    "new",     "can't",	    "does",	"keeps",      "every",	   "time",     "all",	    "just",
    "also",	    "was",     "are",	    "same",	"issue",      "thanks",	   "could",    "will",	    "our",
    "office",	    "team",    "there",	    "other",	"check",      "looks",	   "like",     "seems",	    "try",
    "work",	    "doesn't", "won't",	    "getting",	"shows",      "says",	   "nothing",  "some",	    "only",
    "sometimes",    "always",  "urgent",    "meeting",	"minutes",    "hours",	   "week",     "client",    "home",
    "floor",	    "desk",    "colleague", "manager",	"before",     "back",	   "up",       "out",	    "into",
    "if",	    "so",      "or",	    "no",	"yes",	      "do",	   "did",      "done",	    "fixed",
    "anymore",	    "started", "happens",   "happened", "know",	      "let",	   "me",       "see",	    "attached",
    "screenshot",   "below",   "above",	    "thank",	"able",	      "unable",	   "about",    "around",    "because",
    "already",	    "first",   "last",	    "next",	"else",	      "which",	   "what",     "why",	    "how",
    "where",	    "who",     "weird",	    "strange",	"slow",	      "correct",   "wrong",    "different", "right",
    "whole",	    "each",    "afternoon", "friday",	"monday",     "update",	   "updated",  "installed", "changed",
    "moved",	    "reset",   "logged",    "signed",	"clicked",    "opened",	   "closed",   "once",	    "twice",
    "both",	    "without", "while",	    "during",	"until",      "soon",	   "possible", "asap",	    "deadline",
    "presentation", "report",  "customer",  "project",	"department", "building",  "room",     "someone",   "anyone",
    "everyone",	    "nobody"};

/* Words of IT support in general, most frequent first. */
static const char *const itwords[] = {
    "windows",	 "system",   "account",	     "settings",  "version",   "user",	      "device",	     "app",
    "email",	 "network",  "internet",     "browser",	  "login",     "screen",      "file",	     "files",
    "server",	 "chrome",   "application",  "driver",	  "laptop",    "install",     "access",	     "connection",
    "admin",	 "password", "portal",	     "link",	  "folder",    "drive",	      "certificate", "security",
    "policy",	 "ticket",   "service",	     "support",	  "remote",    "citrix",      "profile",     "domain",
    "proxy",	 "firewall", "backup",	     "cloud",	  "storage",   "license",     "sso",	     "mfa",
    "token",	 "code",     "phone",	     "cable",	  "port",      "usb",	      "adapter",     "hardware",
    "software",	 "reboot",   "cache",	     "cookies",	  "popup",     "window",      "tab",	     "icon",
    "menu",	 "button",   "notification", "sync",	  "offline",   "online",      "timeout",     "crash",
    "freeze",	 "bug",	     "logs",	     "event",	  "viewer",    "registry",    "powershell",  "script",
    "cmd",	 "terminal", "edge",	     "firefox",	  "intune",    "vdi",	      "citrix",	     "workspace",
    "dashboard", "upgrade",  "patch",	     "reinstall", "uninstall", "permissions", "group",	     "role"};

/* The long tail: rare words that make good exact searches. */
static const char *const rare[] = {
    "plotter",	   "fuser",	  "kerberos", "ransomware", "ldap",	  "ntlm",     "pac",	  "tpm",
    "uefi",	   "pxe",	  "raid",     "nas",	    "vlan",	  "radius",   "saml",	  "oauth",
    "gpo",	   "wsus",	  "sccm",     "jamf",	    "filevault",  "keychain", "duplexer", "kvm",
    "thunderbolt", "displaylink", "firmware", "hotspot",    "tethering",  "roaming",  "mailflow", "autodiscover",
    "mapi",	   "smtp",	  "relay",    "dkim",	    "spf",	  "dmarc",    "sandbox",  "cve",
    "rollback",	   "hyperv",	  "vmware",   "virtualbox", "wsl",	  "docker",   "git",	  "putty",
    "winscp",	   "ssh",	  "rdp",      "anydesk",    "teamviewer", "visio",    "tableau",  "powerbi",
    "autocad",	   "solidworks",  "matlab",   "spss",	    "quickbooks", "concur",   "coupa",	  "docusign",
    "smartsheet",  "miro",	  "slack",    "dropbox",    "egnyte",	  "lastpass", "keepass",  "bitwarden",
    "yubikey",	   "smartcard",	  "lenovo",   "dell",	    "hp",	  "epson",    "brother",  "kyocera",
    "xerox",	   "netgear",	  "cisco",    "meraki",	    "aruba",	  "ubiquiti", "fortinet", "paloalto",
    "zscaler",	   "okta",	  "duo",      "ping",	    "traceroute", "nslookup", "dhcp",	  "subnet",
    "gateway",	   "mtu",	  "ipv6",     "arp",	    "ssid",	  "wpa2",     "eap",	  "peap",
    "captive",	   "portal"};

static const char *const commands[] = {"ipconfig /flushdns",
				       "gpupdate /force",
				       "netsh wlan show profiles",
				       "sfc /scannow",
				       "dism /online /cleanup-image /restorehealth",
				       "net use S: \\\\files\\shared",
				       "klist purge",
				       "lpstat -p -d",
				       "Get-Service Spooler | Restart-Service",
				       "outlook.exe /resetnavpane",
				       "dsregcmd /status",
				       "nslookup vpn.example.com",
				       "ping -n 20 10.0.0.1",
				       "chkdsk C: /f",
				       "msiexec /i client.msi /qn",
				       "certutil -user -store My",
				       "tracert intranet.example.com"};

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

struct topic topics[] = {
    {"printer", "Printing", 9,
     L("printer", "print", "printing", "toner", "paper", "jam", "tray", "queue", "driver", "scan", "scanner", "offline",
       "spooler", "duplex", "color", "cartridge", "copies", "pdf", "A4", "LaserJet", "Ricoh", "Canon", "MFP", "badge",
       "label", "stuck", "prints", "blank", "pages", "streaks", "default", "network", "floor", "copier", "secure",
       "release", "job", "jobs", "deleted", "pending"),
     L("50.4", "13.20", "0x00000709", "0x0000011b", "E-0027", "SC542"),
     L("Cleared the print queue and restarted the spooler", "Replaced the toner cartridge",
       "Reinstalled the printer driver", "Removed the jammed paper from tray 2",
       "Re-added the printer from the print server")},
    {"vpn", "Network", 8,
     L("VPN", "connect", "connection", "disconnects", "tunnel", "AnyConnect", "GlobalProtect", "remote", "home",
       "certificate", "timeout", "gateway", "drops", "slow", "split", "DNS", "internal", "sites", "intranet",
       "reconnect", "client", "FortiClient", "hotel", "router", "latency", "profile", "portal", "token"),
     L("809", "691", "789", "0x80072EFD", "GP-1103"),
     L("Renewed the machine certificate", "Reinstalled the VPN client", "Switched the profile to the EU gateway",
       "Cleared the cached credentials", "Updated the VPN client to the current version")},
    {"password", "Accounts", 10,
     L("password", "reset", "expired", "locked", "account", "login", "sign", "MFA", "authenticator", "code", "unlock",
       "SSO", "username", "domain", "lockout", "expiry", "self-service", "SMS", "prompt", "credentials", "Okta",
       "Azure", "AD", "forgot", "change", "new", "wrong", "attempts", "verification"),
     L("AADSTS50126", "AADSTS50076", "AADSTS700016", "0xC000006D", "0xC0000234"),
     L("Unlocked the account and reset the password", "Re-registered the authenticator app",
       "Cleared the stale credentials from Credential Manager", "Synced the password to Azure AD",
       "Extended the password expiry after the change")},
    {"outlook", "Email", 11,
     L("Outlook", "email", "mail", "mailbox", "inbox", "calendar", "meeting", "invite", "attachment", "signature",
       "send", "receive", "folder", "shared", "OST", "PST", "sync", "rules", "delegate", "Exchange", "quota", "full",
       "archive", "search", "spam", "offline", "profile", "crashes", "prompts", "password", "distribution", "list",
       "autocomplete", "sent", "items", "junk"),
     L("0x800CCC0E", "0x8004010F", "0x80040115", "0x800CCC0F", "0x80042108"),
     L("Rebuilt the Outlook profile", "Recreated the OST file", "Increased the mailbox quota",
       "Granted delegate access to the shared mailbox", "Repaired the Office installation")},
    {"wifi", "Network", 7,
     L("Wi-Fi", "wireless", "network", "signal", "wifi", "internet", "SSID", "CorpNet", "guest", "WiFi", "access",
       "point", "drops", "slow", "connected", "DHCP", "IP", "address", "adapter", "5GHz", "certificate", "802.1X",
       "weak", "meeting", "room", "floor", "limited", "connectivity", "forget", "rejoin"),
     L("169.254", "0x80004005", "WLAN-7"),
     L("Forgot and rejoined the CorpNet network", "Updated the wireless adapter driver",
       "Moved the access point on the third floor", "Renewed the network certificate", "Reset the network stack")},
    {"laptop", "Hardware", 9,
     L("laptop", "battery", "charger", "dock", "docking", "station", "screen", "display", "keyboard", "trackpad", "fan",
       "noise", "hot", "overheating", "USB-C", "HDMI", "ThinkPad", "Latitude", "MacBook", "Surface", "boot", "BIOS",
       "BitLocker", "recovery", "key", "blue", "BSOD", "crash", "replacement", "warranty", "cracked", "hinge", "power",
       "charging", "won't", "turn", "on"),
     L("0xc0000221", "CRITICAL_PROCESS_DIED", "IRQL_NOT_LESS_OR_EQUAL", "INACCESSIBLE_BOOT_DEVICE"),
     L("Replaced the battery under warranty", "Updated the BIOS and the dock firmware",
       "Entered the BitLocker recovery key and suspended protection", "Swapped the laptop for a loaner",
       "Reseated the memory and ran diagnostics")},
    {"teams", "Collaboration", 7,
     L("Teams", "meeting", "call", "audio", "microphone", "camera", "headset", "share", "screen", "chat", "channel",
       "status", "notifications", "echo", "Zoom", "Webex", "recording", "background", "join", "muted", "speaker",
       "video", "freezes", "presence"),
     L("caa70004", "caa20002", "0xCAA82EE2"),
     L("Cleared the Teams cache", "Selected the headset as the default audio device", "Reinstalled Teams for the user",
       "Granted camera access in the privacy settings", "Updated the headset firmware")},
    {"onedrive", "Collaboration", 6,
     L("OneDrive", "SharePoint", "sync", "file", "files", "folder", "permission", "share", "link", "Excel", "Word",
       "document", "locked", "version", "restore", "deleted", "recycle", "bin", "library", "site", "conflict",
       "checked", "upload", "quota", "shortcut"),
     L("0x8004de40", "0x80070194", "0x8004def7"),
     L("Reset the OneDrive client", "Restored the folder from the recycle bin", "Granted edit rights on the site",
       "Restored an earlier version of the file", "Unlinked and relinked the library")},
    {"software", "Software", 8,
     L("install", "software", "license", "Adobe", "Acrobat", "Office", "Excel", "update", "upgrade", "Windows", "macOS",
       "Chrome", "browser", "extension", "admin", "rights", "Company", "Portal", "app", "Intune", "Java", "Python",
       "Visual", "Studio", "SAP", "Salesforce", "installer", "fails", "activation", "expired"),
     L("1603", "0x80070643", "0x87D00324", "0x80070005", "0x8024402C"),
     L("Deployed the package through Intune", "Assigned a license and activated the product",
       "Installed the application with admin rights", "Rolled back the update", "Cleared the installer cache")},
    {"phone", "Phones", 4,
     L("phone", "mobile", "iPhone", "Android", "desk", "extension", "voicemail", "softphone", "SIM", "eSIM", "MDM",
       "enroll", "Authenticator", "contacts", "lost", "stolen", "wipe", "new", "number", "calls", "forwarding"),
     L("MDM-201", "E911"),
     L("Enrolled the phone in MDM", "Ordered a replacement SIM", "Set up call forwarding", "Reset the voicemail PIN",
       "Wiped the lost device remotely")},
    {"access", "Access", 7,
     L("access", "permission", "group", "shared", "drive", "folder", "mapped", "request", "approve", "approval",
       "manager", "onboarding", "hire", "starter", "leaver", "offboarding", "door", "badge", "building", "role",
       "distribution", "list", "mailbox", "read", "write", "denied"),
     L("0x80070035", "0x80070043"),
     L("Added the user to the security group", "Mapped the shared drive", "Created the account for the new hire",
       "Disabled the leaver's account and archived the mailbox", "Approved the access request")},
    {"security", "Security", 5,
     L("phishing", "suspicious", "email", "link", "clicked", "virus", "malware", "Defender", "quarantine", "alert",
       "USB", "encryption", "scam", "report", "attachment", "sender", "spoofed", "CrowdStrike", "blocked", "scan",
       "invoice", "gift", "cards"),
     L("CVE-2023-23397", "Trojan:Win32"),
     L("Reset the password and revoked the sessions", "Blocked the sender and purged the message",
       "Ran a full Defender scan: clean", "Isolated the machine and reimaged it", "Reported the phishing campaign")},
    {"slow", "Hardware", 5,
     L("slow", "freezes", "frozen", "hangs", "CPU", "memory", "RAM", "disk", "space", "full", "restart", "reboot",
       "updates", "startup", "fans", "performance", "Task", "Manager", "100%", "programs", "loading"),
     L("0x8007000E", "0x80070070"),
     L("Freed disk space and removed old profiles", "Upgraded the memory to 16 GB", "Disabled startup programs",
       "Replaced the hard disk with an SSD", "Installed the pending updates")},
    {"monitor", "Hardware", 4,
     L("monitor", "display", "projector", "HDMI", "DisplayPort", "conference", "room", "TV", "cable", "adapter",
       "resolution", "flicker", "second", "screen", "docking", "black", "no", "signal", "external", "scaling"),
     L("DP-ALT"),
     L("Replaced the HDMI cable", "Updated the graphics driver", "Set the display resolution", "Swapped the dock",
       "Reset the projector to factory settings")},
    {"apps", "Software", 5,
     L("SAP", "Salesforce", "Workday", "Jira", "Confluence", "report", "login", "role", "export", "dashboard",
       "timesheet", "expenses", "approval", "workflow", "field", "missing", "data", "sync", "integration"),
     L("ERR_SSL_PROTOCOL_ERROR", "HTTP 502", "ORA-12541"),
     L("Added the missing role in SAP", "Cleared the browser cache for the portal", "Reset the Salesforce token",
       "Fixed the approval workflow", "Escalated to the vendor, who fixed it")},
};
_Static_assert(sizeof(topics) / sizeof(topics[0]) == NTOPICS, "NTOPICS in text.h");

const char *const first_names[] = {
    "anna",  "ben",   "carla", "david", "emma",	 "felix", "grace",  "hugo",   "ines",	  "jonas",  "karen",   "leo",
    "maria", "nils",  "olga",  "paul",	"quinn", "rosa",  "sven",   "tara",   "uwe",	  "vera",   "will",    "xenia",
    "yusuf", "zoe",   "alex",  "bruno", "chloe", "dina",  "eric",   "fatima", "georg",	  "hanna",  "ivan",    "julia",
    "kai",   "lena",  "marco", "nora",	"omar",	 "pia",	  "rafael", "sara",   "tom",	  "ulla",   "victor",  "wanda",
    "yara",  "zeno",  "adam",  "bea",	"cem",	 "dora",  "elif",   "finn",   "gina",	  "hans",   "ida",     "jan",
    "kim",   "lars",  "mia",   "noah",	"oskar", "petra", "rico",   "sofia",  "timo",	  "ute",    "vincent", "wilma",
    "aylin", "bernd", "clara", "denis", "eva",	 "frank", "greta",  "henrik", "irene",	  "jakob",  "katrin",  "lukas",
    "mila",  "nico",  "otto",  "paula", "ralf",	 "selin", "theo",   "ursula", "valentin", "wiebke", "amir",    "birgit",
    "carl",  "doris", "emil",  "frida"};
const char *const last_names[] = {
    "schmidt", "meyer",	   "weber",    "fischer", "wagner",  "becker", "schulz",     "hoffmann", "koch",
    "richter", "klein",	   "wolf",     "neumann", "schwarz", "braun",  "zimmermann", "hartmann", "lange",
    "werner",  "krause",   "lehmann",  "kaiser",  "fuchs",   "peters", "scholz",     "jung",	 "moeller",
    "keller",  "berg",	   "frank",    "roth",	  "beck",    "lorenz", "baumann",    "franke",	 "albrecht",
    "winter",  "vogel",	   "sommer",   "haas",	  "graf",    "kuhn",   "pohl",	     "engel",	 "horn",
    "busch",   "bergmann", "thomas",   "voigt",	  "sauer",   "arnold", "wolff",	     "pfeiffer", "smith",
    "jones",   "brown",	   "taylor",   "wilson",  "davies",  "evans",  "johnson",    "walker",	 "wright",
    "roberts", "green",	   "hall",     "wood",	  "jackson", "clarke", "garcia",     "martin",	 "rossi",
    "russo",   "ferrari",  "esposito", "bianchi", "romano",  "nowak",  "kowalski",   "yilmaz",	 "kaya",
    "demir",   "sahin",	   "celik",    "dubois",  "durand",  "leroy",  "moreau",     "laurent",	 "simon",
    "michel",  "lefebvre", "fournier", "girard",  "bonnet",  "dupont", "lambert",    "fontaine", "rousseau",
    "vincent"};
_Static_assert(sizeof(first_names) / sizeof(first_names[0]) == NFIRST, "NFIRST in text.h");
_Static_assert(sizeof(last_names) / sizeof(last_names[0]) == NLAST, "NLAST in text.h");

#define NCOMMON ((int)(sizeof(common) / sizeof(common[0])))
#define NIT ((int)(sizeof(itwords) / sizeof(itwords[0])))
#define NRARE ((int)(sizeof(rare) / sizeof(rare[0])))
#define NCOMMANDS ((int)(sizeof(commands) / sizeof(commands[0])))

static struct zipf z_common, z_it, z_rare, z_topics, z_names;

static int count(const char *const *list)
{
	int n = 0;
	while (list[n])
		n++;
	return n;
}

void vocab_init(void)
{
	zipf_init(&z_common, NCOMMON, 1.0);
	zipf_init(&z_it, NIT, 0.8);
	zipf_init(&z_rare, NRARE, 1.0);
	zipf_init(&z_names, NFIRST, 0.6);
	double sum = 0;
	for (int i = 0; i < NTOPICS; i++) {
		struct topic *t = &topics[i];
		t->nwords = count(t->words), t->ncodes = count(t->codes), t->nfixes = count(t->fixes);
		zipf_init(&t->zw, t->nwords, 0.9);
		sum += t->weight;
	}
	/* Topics by their weights: a "Zipf" table whose cdf is the weights'. */
	z_topics.n = NTOPICS;
	z_topics.cdf = malloc(sizeof(double) * NTOPICS);
	if (!z_topics.cdf)
		fatal("out of memory");
	double acc = 0;
	for (int i = 0; i < NTOPICS; i++)
		z_topics.cdf[i] = (acc += topics[i].weight) / sum;
}

/* ---------------------------------------------------------------- text */

void buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap < b->n + len + 1)
			cap *= 2;
		if (!(b->p = realloc(b->p, cap)))
			fatal("out of memory");
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vsnprintf failed");
	buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void buf_reset(struct buf *b)
{
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		fatal("out of memory");
	return d;
}

/* One word of topic t's text into tmp (which it returns). */
static const char *pick_word(const struct topic *t, enum mix mix, char tmp[64])
{
	double u = unit();
	double p_common = mix == MIX_TITLE ? 0.22 : mix == MIX_KB ? 0.45 : 0.48;
	double p_topic = mix == MIX_TITLE ? 0.85 : 0.86;
	const char *w;
	if (u < p_common) {
		w = common[zipf_draw(&z_common)];
	} else if (u < p_topic) {
		w = t->words[zipf_draw(&t->zw)];
	} else if (u < 0.965) {
		w = itwords[zipf_draw(&z_it)];
	} else {
		/* The long tail: error codes, machine names, people, numbers and
		 * references (many of them unique), uncommon words. */
		double r = unit();
		if (t->ncodes && r < 0.25) {
			w = t->codes[below(t->ncodes)];
		} else if (r < 0.45) {
			static const char *const pre[] = {"LT", "WS", "PC", "MAC"};
			snprintf(tmp, 64, "%s-%04d", pre[below(4)], (int)(1000 + below(9000)));
			return tmp;
		} else if (r < 0.60) {
			w = r < 0.55 ? first_names[zipf_draw(&z_names)] : last_names[below(NLAST)];
			snprintf(tmp, 64, "%c%s", toupper((unsigned char)w[0]), w + 1);
			return tmp;
		} else if (r < 0.80) {
			switch (below(6)) {
			case 0: snprintf(tmp, 64, "v%d.%d", (int)below(12), (int)below(20)); break;
			case 1: snprintf(tmp, 64, "KB50%05d", (int)below(100000)); break;
			case 2: snprintf(tmp, 64, "x%04d", (int)(1000 + below(9000))); break;
			case 3: snprintf(tmp, 64, "A%06d", (int)below(1000000)); break; /* asset tag */
			case 4: snprintf(tmp, 64, "REQ%07d", (int)below(10000000)); break;
			default: snprintf(tmp, 64, "%d", (int)below(500)); break;
			}
			return tmp;
		} else {
			w = rare[zipf_draw(&z_rare)];
		}
	}
	/* A typo now and then: two neighbouring letters swapped. */
	size_t n = strlen(w);
	if (n >= 5 && n < 63 && chance(0.004)) {
		memcpy(tmp, w, n + 1);
		size_t i = 1 + (size_t)below((int64_t)n - 2);
		char c = tmp[i];
		tmp[i] = tmp[i + 1];
		tmp[i + 1] = c;
		return tmp;
	}
	return w;
}

static void add_word(struct buf *b, const char *w, bool capital)
{
	if (b->n && b->p[b->n - 1] != '\n' && b->p[b->n - 1] != ' ')
		buf_add(b, " ", 1);
	if (capital && islower((unsigned char)w[0])) {
		char c = (char)toupper((unsigned char)w[0]);
		buf_add(b, &c, 1);
		buf_puts(b, w + 1);
	} else {
		buf_puts(b, w);
	}
}

/* nwords words of sentences about t, with paragraphs when paragraphs is true. */
void gen_text(struct buf *b, const struct topic *t, int nwords, enum mix mix, bool paragraphs)
{
	char tmp[64];
	int left = nwords, sl = 0;
	bool start = true;
	while (left > 0) {
		if (start)
			sl = 5 + (int)below(11);
		add_word(b, pick_word(t, mix, tmp), start);
		start = false;
		left--, sl--;
		if (sl == 0 || left == 0) {
			double u = unit();
			buf_puts(b, u < 0.08 ? "?" : u < 0.11 ? "!" : ".");
			start = true;
			if (left > 0 && paragraphs && chance(0.12))
				buf_puts(b, "\n\n");
		} else if (chance(0.05)) {
			buf_puts(b, ",");
		}
	}
}

void gen_title(struct buf *b, const struct topic *t, bool ticket)
{
	static const char *const starts[] = {"Cannot",	"Unable to", "Problem with", "Issue with", "Request:",
					     "Urgent:", "Help with", "My",	     "New",	   "Question about"};
	char tmp[64];
	const char *last = "";
	int n = 4 + (int)below(7), i = 0;
	if (ticket && chance(0.35)) {
		const char *s = starts[below(10)];
		add_word(b, s, true);
		i += strchr(s, ' ') ? 2 : 1;
	}
	for (; i < n; i++) {
		const char *w = i == 0 || chance(0.3) ? t->words[zipf_draw(&t->zw) % 8] : pick_word(t, MIX_TITLE, tmp);
		if (strcmp(w, last) == 0 && (w = t->words[below(t->nwords)]) == last)
			continue;
		add_word(b, w, i == 0);
		last = w == tmp ? "" : w;
	}
}

/* Words in a description or comment: 20 to 120, most of them short. */
int text_len(double shape)
{
	return 20 + (int)(100.0 * pow(unit(), shape));
}

void json_escape(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			buf_add(b, e, 2);
		} else if (c == '\n') {
			buf_add(b, "\\n", 2);
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_add(b, (const char *)&c, 1);
		}
	}
	buf_add(b, "\"", 1);
}

int pick_topic(void)
{
	return zipf_draw(&z_topics);
}

const char *kb_command(void)
{
	return commands[below(NCOMMANDS)];
}
