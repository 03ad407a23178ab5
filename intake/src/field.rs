//! What a column can mean to the chaser: the vocabulary every layout, synonym list and row
//! reader is written in, below all of them so that none depends on another to name a field.

/// What a column can mean to the chaser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Field {
    Number,
    Customer,
    CustomerId,
    ContactEmail,
    ContactName,
    Amount,
    /// The open balance.
    Balance,
    /// Paid so far, for exports that state it instead of (or beside) the balance.
    AmountPaid,
    /// One line item's amount; the invoice's amount is their sum when no column states it.
    LineAmount,
    /// When the invoice was (last) paid.
    DatePaid,
    Currency,
    IssueDate,
    DueDate,
    Terms,
    PayUrl,
    PdfUrl,
    OwnerEmail,
    /// A yes/no paid flag (the native format).
    Paid,
    /// The tool's status word.
    Status,
    /// The kind of transaction, where an export mixes invoices with payments or credits.
    Kind,
    CustomerTimeZone,
    Locale,
    IssuedAt,
    DueAt,
    /// The tool already e-mailed the invoice (yes/no): `on_issue` steps are skipped.
    AlreadySent,
    /// Never remind this invoice's customer (yes/no).
    DoNotChase,
}

impl Field {
    /// Without these four there is no invoice. The amount may come from the balance or the
    /// line items' amounts, and the customer from a report's headings.
    pub const REQUIRED: [Field; 4] = [
        Field::Number,
        Field::Customer,
        Field::Amount,
        Field::IssueDate,
    ];

    /// The native format's column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Number => "number",
            Field::Customer => "customer",
            Field::CustomerId => "customer_id",
            Field::ContactEmail => "contact_email",
            Field::ContactName => "contact_name",
            Field::Amount => "amount",
            Field::Balance => "balance",
            Field::AmountPaid => "amount_paid",
            Field::LineAmount => "line_amount",
            Field::DatePaid => "date_paid",
            Field::Currency => "currency",
            Field::IssueDate => "issue_date",
            Field::DueDate => "due_date",
            Field::Terms => "terms",
            Field::PayUrl => "pay_url",
            Field::PdfUrl => "pdf_url",
            Field::OwnerEmail => "owner_email",
            Field::Paid => "paid",
            Field::Status => "status",
            Field::Kind => "kind",
            Field::CustomerTimeZone => "customer_time_zone",
            Field::Locale => "locale",
            Field::IssuedAt => "issued_at",
            Field::DueAt => "due_at",
            Field::AlreadySent => "already_sent",
            Field::DoNotChase => "do_not_chase",
        }
    }

    /// In a sentence: `issue date`.
    pub fn spoken(self) -> String {
        self.name().replace('_', " ")
    }
}
