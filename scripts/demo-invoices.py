#!/usr/bin/env python3
"""Writes examples/invoices.csv with dates relative to today, so the demo always shows a mix:
invoices not yet due, one due a first nudge, one at follow-up, one escalated, one paid."""
import datetime
import pathlib
import sys

today = datetime.date.today()
header = "number,customer,contact_email,amount,currency,issue_date,due_date,terms,pay_url,pdf_url,owner_email,paid"
# number, customer, contact, amount, currency, days since issue, terms, paid
rows = [
    ("INV-1001", "Acme Ltd", "ap@acme.example", "1200.00", "USD", 10, "net-30", "no"),
    ("INV-1002", "Beta GmbH", "buchhaltung@beta.example", "860.50", "EUR", 28, "net-30", "no"),
    ("INV-1003", "Gamma Pty", "accounts@gamma.example", "4300.00", "AUD", 35, "net-30", "no"),
    ("INV-1004", "Delta Inc", "billing@delta.example", "99.99", "USD", 42, "net-30", "no"),
    ("INV-1005", "Epsilon SARL", "compta@epsilon.example", "2500.00", "EUR", 55, "net-30", "no"),
    ("INV-1006", "Zeta KK", "keiri@zeta.example", "150000", "JPY", 20, "net-30", "yes"),
    ("INV-1007", "Eta LLC", "ap@eta.example", "640.00", "USD", 0, "due_on_receipt", "no"),
]
out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "examples/invoices.csv")
lines = [header]
for number, customer, contact, amount, currency, age, terms, paid in rows:
    issue = today - datetime.timedelta(days=age)
    due = issue if terms == "due_on_receipt" else issue + datetime.timedelta(days=30)
    pay_url = f"https://pay.example/{number}"
    lines.append(f"{number},{customer},{contact},{amount},{currency},{issue},{due},{terms},{pay_url},,owner@chaser.example,{paid}")
out.write_text("\n".join(lines) + "\n")
print(f"wrote {out} ({len(rows)} invoices, dates relative to {today})")
