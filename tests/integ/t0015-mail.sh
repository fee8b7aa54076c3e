#!/usr/bin/env bash
# The help desk's e-mail, in and out, against a real SMTP server (aiosmtpd) on
# loopback: messages open tickets (once per Message-ID), replies become comments,
# auto-replies and bounces are ignored, hostile input is refused with nothing
# written; notifications are queued with the change, sent, threaded, and retried.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
M=$SRC/tests/fixtures/mail

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { fail "python3-aiosmtpd is not installed (scripts/deps test installs it)"; finish; exit 1; }
mkdir -p "$TMP/sink"
/usr/bin/python3 "$SRC/tests/integ/smtp-sink.py" "$TMP/sink" "$TMP/sink.port" &
SINK=$!
trap 'kill $SINK 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -s "$TMP/sink.port" ] && break; sleep 0.05; done
PORT=$(cat "$TMP/sink.port")

D=$(new_data)
printf 'sam password\n' >"$TMP/sam.pw"
"$WARD" --data "$D" user add sam --role support --email sam@corp.example --password-file "$TMP/sam.pw" >/dev/null
ingest() { "$WARD" --data "$D" --json mail ingest <"$1"; }
count() { sqlite3 "$D/ward.db" "SELECT count(*) FROM $1"; }

# Without mail settings strangers are refused: exit 67, nothing written.
before=$(count tickets)/$(count users)/$(log_count "$D")
expect_exit "a stranger without mail settings" 67 ingest "$M/plain.eml"
expect_eq "nothing written" "$(count tickets)/$(count users)/$(log_count "$D")" "$before"

cat >"$TMP/mail.json" <<EOF
{"from_addr": "helpdesk@corp.example", "from_name": "Corp IT", "smtp_host": "127.0.0.1",
 "smtp_port": "$PORT", "tls": "none", "unknown_senders": "create"}
EOF
expect_exit "mail settings" 0 "$WARD" --data "$D" helpdesk settings --mail "$TMP/mail.json"
printf '{"from_addr": "not an address", "smtp_host": "x"}' >"$TMP/bad.json"
expect_exit "bad mail settings refused" 1 "$WARD" --data "$D" helpdesk settings --mail "$TMP/bad.json"

# A new message opens a ticket for a new (unverified) employee.
expect_exit "a new message" 0 ingest "$M/plain.eml"
expect_eq "opens a ticket" "$(printf '%s' "$OUT" | jq -c '[.action, .user, .user_created]')" '["created","anna.berg",true]'
N=$(printf '%s' "$OUT" | jq -r .ticket)
T=$("$WARD" --data "$D" --json ticket show "$N")
expect_eq "title from the subject, requester by address" "$(printf '%s' "$T" | jq -c '[.title, .requester, .category]')" '["VPN drops every 10 minutes","anna.berg","mail"]'
expect_match "description from the body" "$(printf '%s' "$T" | jq -r .description)" 'disconnects about every 10 minutes'
expect_eq "the new user is an employee with her address" "$("$WARD" --data "$D" --json user show anna.berg | jq -c '[.role, .email]')" '["employee","anna.berg@example.com"]'
expect_eq "flagged unverified in the log" "$("$WARD" --data "$D" --json log list --action mail.user | jq -r '.[0].details.verified')" false

# The same message again: one ticket, never two.
tickets=$(count tickets)
expect_exit "the same message delivered twice" 0 ingest "$M/plain.eml"
expect_eq "is taken once" "$(printf '%s' "$OUT" | jq -c '[.action, .ticket]')" "[\"duplicate\",$N]"
expect_eq "no second ticket" "$(count tickets)" "$tickets"

# Auto-replies, bounces and list mail never open tickets nor trigger replies.
for f in autoreply bounce bulk; do
	expect_exit "$f is accepted" 0 ingest "$M/$f.eml"
	expect_eq "$f is ignored" "$(printf '%s' "$OUT" | jq -r .action)" ignored
done
expect_eq "no tickets from them" "$(count tickets)" "$tickets"

# Hostile and broken input: exit 65, nothing written.
before=$(count tickets)/$(count users)/$(count ticket_events)/$(log_count "$D")
expect_exit "garbage" 65 ingest "$M/garbage.eml"
expect_exit "no From" 65 ingest "$M/no_from.eml"
{ printf 'From: big@corp.example\nSubject: big\nMessage-ID: <big@x>\n\n'; head -c $((26 * 1024 * 1024)) /dev/zero | tr '\0' a; } >"$TMP/big.eml"
expect_exit "a message over 25 MiB" 65 ingest "$TMP/big.eml"
expect_exit "empty input" 65 ingest /dev/null
expect_eq "nothing written for any of them" "$(count tickets)/$(count users)/$(count ticket_events)/$(log_count "$D")" "$before"

# An attachment, and HTML-only mail reduced to text.
expect_exit "a message with an attachment" 0 ingest "$M/attachment.eml"
A=$(printf '%s' "$OUT" | jq -r .ticket)
expect_match "the attachment is on the ticket" "$("$WARD" --data "$D" --json ticket show "$A" | jq -r '[.attachments[].filename] | join(",")')" '.'
expect_exit "HTML-only mail" 0 ingest "$M/html_only.eml"
H=$(printf '%s' "$OUT" | jq -r .ticket)
desc=$("$WARD" --data "$D" --json ticket show "$H" | jq -r .description)
if printf '%s' "$desc" | grep -qE 'hidden (script|style)|also hidden|<p>|MsoNormal'; then fail "HTML reduced to text: $desc"; else pass "HTML reduced to text, scripts and styles dropped"; fi
expect_match "entities decoded" "$desc" 'Café — €5'

# --- out: notifications are queued with the change and sent ---
expect_exit "send the acknowledgements" 0 "$WARD" --data "$D" mail send
acks=$(grep -l "^To: .*anna.berg@example.com" "$TMP"/sink/*.eml | head -1)
expect_match "the requester got an acknowledgement" "$(grep -i '^Subject:' "$acks")" "\[#$N\] VPN drops"
expect_match "marked auto-generated, so robots do not answer it" "$(grep -i '^Auto-Submitted:' "$acks")" 'auto-generated'
ack_id=$(grep -i '^Message-ID:' "$acks" | sed 's/.*<\(.*\)>.*/\1/')

"$WARD" --data "$D" ticket comment "$N" --text "Does it happen on Wi-Fi and cable?" >/dev/null
"$WARD" --data "$D" ticket comment "$N" --internal --text "Probably the DHCP lease" >/dev/null
sent_before=$(ls "$TMP"/sink/*.eml | wc -l)
expect_exit "send the reply" 0 "$WARD" --data "$D" mail send
expect_eq "one message for the public reply, none for the note" "$(ls "$TMP"/sink/*.eml | wc -l)" $((sent_before + 1))
reply=$(ls "$TMP"/sink/*.eml | tail -1)
expect_match "the reply's text" "$(cat "$reply")" 'Wi-Fi and cable'
if grep -q 'DHCP' "$reply"; then fail "the internal note leaked into mail"; else pass "the internal note stays internal"; fi
expect_match "threaded after the acknowledgement" "$(grep -i '^In-Reply-To:' "$reply")" "<$ack_id>"
reply_id=$(grep -i '^Message-ID:' "$reply" | sed 's/.*<\(.*\)>.*/\1/')

# The requester answers by mail: a comment, found by In-Reply-To, quoted text dropped.
cat >"$TMP/answer.eml" <<EOF
From: Anna Berg <anna.berg@example.com>
To: helpdesk@corp.example
Subject: Re: [#$N] VPN drops every 10 minutes
Message-ID: <answer-1@mail.example.com>
In-Reply-To: <$reply_id>
References: <$ack_id> <$reply_id>
Date: Wed, 13 Mar 2024 10:00:00 +0100
Content-Type: text/plain; charset=utf-8

Only on Wi-Fi, cable is fine.

On Tue, 12 Mar 2024, Corp IT wrote:
> -- Reply above this line to add to the ticket --
> Does it happen on Wi-Fi and cable?
EOF
expect_exit "the requester's answer" 0 ingest "$TMP/answer.eml"
expect_eq "becomes a comment on the ticket" "$(printf '%s' "$OUT" | jq -c '[.action, .ticket]')" "[\"comment\",$N]"
last=$("$WARD" --data "$D" --json ticket show "$N" | jq -r '[.timeline[] | select(.kind == "reply")][-1].body')
expect_eq "without the quoted text" "$last" "Only on Wi-Fi, cable is fine."
sed -e 's/answer-1/answer-2/' -e '/^In-Reply-To/d' -e '/^References/d' "$TMP/answer.eml" >"$TMP/answer2.eml"
expect_exit "an answer found by the subject's [#N] only" 0 ingest "$TMP/answer2.eml"
expect_eq "is a comment too" "$(printf '%s' "$OUT" | jq -r .ticket)" "$N"

# A stranger writing about the ticket: only support sees it.
sed -e 's/Anna Berg <anna.berg@example.com>/Mallory <mallory@evil.example>/' -e 's/answer-1/mallory-1/' "$TMP/answer.eml" >"$TMP/mallory.eml"
expect_exit "a stranger's mail about the ticket" 0 ingest "$TMP/mallory.eml"
expect_eq "is an internal note" "$(printf '%s' "$OUT" | jq -r .action)" note

# Training reminders go out over the same mail settings.
printf '# VPN basics\n\nUse the corporate profile.\n' >"$TMP/vpn.md"
"$WARD" --data "$D" kb add --title "VPN basics" --category network --file "$TMP/vpn.md" >/dev/null
ART=$("$WARD" --data "$D" --json kb list | jq -r '.[0].id')
"$WARD" --data "$D" course add --title "VPN course" --lesson "$ART" >/dev/null
COURSE=$("$WARD" --data "$D" --json course list | jq -r '.[0].id')
"$WARD" --data "$D" course assign "$COURSE" --user anna.berg --due 1d >/dev/null
mails=$(ls "$TMP"/sink/*.eml | wc -l)
expect_exit "course remind" 0 "$WARD" --data "$D" course remind
expect_eq "a reminder was mailed" "$(ls "$TMP"/sink/*.eml | wc -l)" $((mails + 1))
expect_match "about the course" "$(cat "$(ls "$TMP"/sink/*.eml | tail -1)")" 'VPN course'

# Delivery failures are retried, not lost.
kill "$SINK"
wait "$SINK" 2>/dev/null
"$WARD" --data "$D" ticket resolve "$N" --resolution "Wi-Fi driver updated" >/dev/null
expect_exit "sending with the mail server down" 0 "$WARD" --data "$D" mail send
expect_eq "the notification waits in the outbox" "$("$WARD" --data "$D" --json mail outbox | jq -r '[.[] | select(.status == "queued")] | length')" 1
expect_match "with the reason" "$("$WARD" --data "$D" --json mail outbox | jq -r '.[0].last_error')" '.'

finish
