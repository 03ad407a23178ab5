//! The words invoices use, in the languages our users invoice in (English, French, German,
//! Dutch, Spanish, Italian, Portuguese): the labels of each field, the names of months, the
//! titles of the document, currency markers and the countries that settle a `$`.
//!
//! Labels are matched on folded text ([`fold`]: lower case, accents off, `n°` as `no`), so one
//! pattern reads `Facture n°`, `FACTURE Nº` and `facture no`. A label is found anywhere in a
//! run, not only at its start, and may be glued to a value before it (`993548900Factuurnummer:`):
//! only the character after it must not be a letter.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// A document's language, as its labels show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Lang {
    En,
    Fr,
    De,
    Nl,
    Es,
    It,
    Pt,
}

impl Lang {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "French",
            Lang::De => "German",
            Lang::Nl => "Dutch",
            Lang::Es => "Spanish",
            Lang::It => "Italian",
            Lang::Pt => "Portuguese",
        }
    }
}

/// How strongly a total label names what is owed: the reader takes the best kind printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum TotalKind {
    /// `Amount due`, `Balance`, `Somme à payer`, `Te betalen`: what is owed now.
    Due,
    /// `Total incl. VAT`, `Total TTC`, `Gesamtbetrag`, `Grand total`: the total with tax.
    Gross,
    /// `Total`, `Totaal`, `Totale`: a total that says nothing of tax.
    Plain,
    /// `Subtotal`, `Total HT`, `Nettobetrag`, `Base imponible`: before tax; a last resort.
    Net,
}

impl TotalKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            TotalKind::Due => "what is owed",
            TotalKind::Gross => "total with tax",
            TotalKind::Plain => "total",
            TotalKind::Net => "total before tax",
        }
    }
}

/// What a label introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Number,
    IssueDate,
    DueDate,
    Total(TotalKind),
    Customer,
    Email,
    Currency,
    Terms,
    /// Tax, amounts paid, and other numbered things (`VAT No.`, `Order number`, `IBAN`): known
    /// so that their values are never taken for a field's.
    Other,
}

/// One label pattern: its class, its language (`None`: shared by several), and whether it is
/// weak (`Date`, `Total`, `Invoice` alone: a value beside it only, confidence medium).
struct Def {
    class: Class,
    lang: Option<Lang>,
    weak: bool,
    pattern: &'static str,
}

const fn def(class: Class, lang: Option<Lang>, weak: bool, pattern: &'static str) -> Def {
    Def {
        class,
        lang,
        weak,
        pattern,
    }
}

use Class::*;
use Lang::*;
use TotalKind::{Due, Gross, Net, Plain};

/// Number markers after a word: `No.`, `n°` (folded `no`), `n.º`, `Nr.`, `#`, `Num.`.
macro_rules! no {
    () => {
        r"\s*(?:n\s*\.?\s*o\.?|nr\.?|num\.?|#|n\.)"
    };
}

/// Every label, in folded spelling. Longer matches win over shorter ones at the same place.
static DEFS: &[Def] = &[
    // The invoice number.
    def(
        Number,
        Some(En),
        false,
        concat!(r"invoice\s*(?:number|id|ref(?:erence)?)|invoice", no!()),
    ),
    def(
        Number,
        Some(En),
        false,
        concat!(
            r"inv\.?",
            no!(),
            r"|bill\s*(?:number|no\.?|#)|document\s*(?:number|no\.?)"
        ),
    ),
    def(Number, Some(En), true, r"invoice"),
    def(
        Number,
        Some(Fr),
        false,
        r"(?:n\s*\.?\s*o\.?|numero|num\.?)\s*(?:de\s*(?:la\s*)?)?facture|facture\s*(?:n\s*\.?\s*o\.?|numero|num\.?|#)",
    ),
    def(Number, Some(Fr), true, r"facture"),
    def(
        Number,
        Some(De),
        false,
        concat!(
            r"rechnungs?\s*-?\s*(?:nummer|nr\.?|no\.?)|re\s*\.?\s*-?\s*nr\.?|beleg\s*-?\s*(?:nummer|nr\.?)|rechnung",
            no!()
        ),
    ),
    def(Number, Some(De), true, r"rechnung"),
    def(
        Number,
        Some(Nl),
        false,
        r"factuur\s*-?\s*(?:nummer|nr\.?|no\.?)",
    ),
    def(Number, Some(Nl), true, r"factuur"),
    def(
        Number,
        Some(Es),
        false,
        r"(?:n\s*\.?\s*o\.?|numero|num\.?)\s*(?:de\s*)?(?:la\s*)?factura|factura\s*(?:n\s*\.?\s*o\.?|numero|num\.?|#)",
    ),
    def(Number, Some(Es), true, r"factura"),
    def(
        Number,
        Some(It),
        false,
        r"(?:numero|nr\.?|n\s*\.?\s*o\.?|n\.)\s*(?:della\s*)?fattura|fattura\s*(?:n\s*\.?\s*o\.?|nr\.?|numero|num\.?|n\.|#)",
    ),
    def(Number, Some(It), true, r"fattura"),
    def(
        Number,
        Some(Pt),
        false,
        r"(?:n\s*\.?\s*o\.?|numero)\s*(?:da\s*|de\s*)?fatura|fatura\s*(?:n\s*\.?\s*o\.?|numero|num\.?|#)",
    ),
    def(Number, Some(Pt), true, r"fatura"),
    // The issue date.
    def(
        IssueDate,
        Some(En),
        false,
        r"invoice\s*date|date\s*of\s*(?:issue|invoice)|issue\s*date|date\s*issued|issued(?:\s*on)?|billing\s*date|invoiced\s*on",
    ),
    def(IssueDate, Some(En), true, r"date"),
    def(
        IssueDate,
        Some(Fr),
        false,
        r"date\s*(?:de\s*(?:la\s*)?)?(?:facture|facturation)|date\s*d\s*'?\s*emission|emise?\s*le|facture\s*du",
    ),
    def(
        IssueDate,
        Some(De),
        false,
        r"rechnungs\s*-?\s*datum|ausstellungsdatum|belegdatum|datum\s*der\s*rechnung",
    ),
    def(IssueDate, Some(De), true, r"datum"),
    def(IssueDate, Some(Nl), false, r"factuur\s*-?\s*datum"),
    def(
        IssueDate,
        Some(Es),
        false,
        r"fecha\s*(?:de\s*)?(?:la\s*)?(?:factura|emision|expedicion)",
    ),
    def(IssueDate, Some(Es), true, r"fecha"),
    def(
        IssueDate,
        Some(It),
        false,
        r"data\s*(?:della\s*|di\s*|del\s*)?(?:fattura|emissione|documento)",
    ),
    def(
        IssueDate,
        Some(Pt),
        false,
        r"data\s*(?:da\s*|de\s*)?(?:fatura|emissao)",
    ),
    def(IssueDate, None, true, r"data"),
    // The due date.
    def(
        DueDate,
        Some(En),
        false,
        r"due\s*date|date\s*due|payment\s*due(?:\s*date)?|due\s*(?:by|on)|pay(?:able)?\s*by|please\s*pay\s*by",
    ),
    def(DueDate, Some(En), true, r"due"),
    def(
        DueDate,
        Some(Fr),
        false,
        r"date\s*(?:d\s*'?\s*|de\s*)?echeance|echeance|date\s*limite\s*(?:de\s*)?(?:paiement|reglement)|(?:a\s*)?payer\s*(?:avant|au\s*plus\s*tard)\s*(?:le)?|payable\s*(?:avant\s*)?le",
    ),
    def(
        DueDate,
        Some(De),
        false,
        r"falligkeits\s*-?\s*datum|fallig\s*(?:am|bis|zum)|zahlbar\s*(?:bis|am)(?:\s*zum)?|falligkeit",
    ),
    def(DueDate, Some(De), true, r"fallig"),
    def(
        DueDate,
        Some(Nl),
        false,
        r"verval\s*-?\s*datum|(?:te\s*)?betalen\s*(?:voor|uiterlijk(?:\s*op)?|op)|uiterste\s*betaal\s*-?\s*datum",
    ),
    def(
        DueDate,
        Some(Es),
        false,
        r"fecha\s*(?:de\s*)?vencimiento|vencimiento|fecha\s*limite\s*(?:de\s*)?pago|pagar\s*antes\s*del?",
    ),
    def(
        DueDate,
        Some(It),
        false,
        r"data\s*(?:di\s*)?scadenza|scadenza(?:\s*pagamento)?|(?:da\s*)?pagare\s*entro(?:\s*il)?|pagamento\s*entro(?:\s*il)?",
    ),
    def(
        DueDate,
        Some(Pt),
        false,
        r"data\s*(?:de\s*)?vencimento|vencimento|pagar\s*ate|data\s*limite\s*(?:de\s*)?pagamento",
    ),
    // Totals, by what they are.
    def(
        Total(Due),
        Some(En),
        false,
        r"amount\s*due|balance\s*due|total\s*due|amount\s*payable|total\s*payable|amount\s*to\s*pay|total\s*to\s*pay|please\s*pay|amount\s*outstanding|outstanding\s*(?:balance|amount)?|balance",
    ),
    def(
        Total(Due),
        Some(Fr),
        false,
        r"(?:somme|montant|total|net|reste)\s*a\s*payer|solde\s*(?:du|a\s*payer)?|montant\s*du",
    ),
    def(
        Total(Due),
        Some(De),
        false,
        r"zu\s*zahlen(?:der\s*betrag)?|zahlbetrag|offener\s*betrag|falliger\s*betrag|restbetrag",
    ),
    def(
        Total(Due),
        Some(Nl),
        false,
        r"(?:totaal\s*|nog\s*)?te\s*betalen(?:\s*bedrag)?|openstaand(?:\s*bedrag)?|verschuldigd\s*bedrag",
    ),
    def(
        Total(Due),
        Some(Es),
        false,
        r"(?:importe|total)\s*a\s*pagar|saldo\s*(?:pendiente|a\s*pagar)?|importe\s*(?:adeudado|pendiente)",
    ),
    def(
        Total(Due),
        Some(It),
        false,
        r"(?:totale|importo|netto)\s*da\s*pagare|netto\s*a\s*pagare|importo\s*dovuto|saldo(?:\s*dovuto)?",
    ),
    def(
        Total(Due),
        Some(Pt),
        false,
        r"(?:valor|total|montante)\s*a\s*pagar|valor\s*em\s*divida|saldo\s*(?:devedor|em\s*aberto)?",
    ),
    def(
        Total(Gross),
        Some(En),
        false,
        r"total\s*\(?\s*(?:incl(?:uding|\.)?|inc\.?)\s*(?:vat|tax|gst)\s*\)?|grand\s*total|invoice\s*total|total\s*amount|gross\s*total|total\s*\(?gross\)?",
    ),
    def(
        Total(Gross),
        Some(Fr),
        false,
        r"(?:total|montant)\s*(?:total\s*)?t\s*\.?\s*t\s*\.?\s*c\.?|total\s*toutes\s*taxes\s*comprises|total\s*(?:de\s*la\s*)?facture|montant\s*total",
    ),
    def(
        Total(Gross),
        Some(De),
        false,
        r"gesamt\s*-?\s*betrag|bruttobetrag|gesamtsumme|rechnungs\s*-?\s*betrag|endbetrag|(?:gesamt|summe|total)\s*\(?brutto\)?|bruttosumme|brutto",
    ),
    def(
        Total(Gross),
        Some(Nl),
        false,
        r"totaal\s*\(?\s*incl(?:\.|usief)?\s*(?:btw|belasting)\s*\)?|factuur\s*totaal|totaal\s*-?\s*bedrag|totaal\s*factuur",
    ),
    def(
        Total(Gross),
        Some(Es),
        false,
        r"total\s*(?:de\s*la\s*)?factura|importe\s*total|total\s*\(?\s*(?:iva\s*incluido|con\s*iva)\s*\)?",
    ),
    def(
        Total(Gross),
        Some(It),
        false,
        r"totale\s*(?:fattura|documento|ivato)|totale\s*\(?\s*(?:iva\s*inclusa|compreso\s*iva)\s*\)?|importo\s*totale",
    ),
    def(
        Total(Gross),
        Some(Pt),
        false,
        r"total\s*da\s*fatura|total\s*com\s*iva|valor\s*total|total\s*geral",
    ),
    def(
        Total(Plain),
        None,
        true,
        r"total|totaal|totale|gesamt|summe",
    ),
    def(
        Total(Net),
        Some(En),
        false,
        r"sub\s*-?\s*total|total\s*\(?\s*(?:excl(?:uding|\.)?|ex\.?|before|without)\s*(?:vat|tax|gst)\s*\)?|net\s*(?:total|amount)|total\s*\(?net\)?|amount\s*before\s*tax",
    ),
    def(
        Total(Net),
        Some(Fr),
        false,
        r"(?:total|montant)\s*(?:total\s*)?h\s*\.?\s*t\.?|sous\s*-?\s*total|(?:total|montant)\s*hors\s*taxes?",
    ),
    def(
        Total(Net),
        Some(De),
        false,
        r"nettobetrag|zwischensumme|(?:summe|gesamt|total)\s*\(?netto\)?|nettosumme|netto",
    ),
    def(
        Total(Net),
        Some(Nl),
        false,
        r"subtotaal|totaal\s*\(?\s*excl(?:\.|usief)?\s*(?:btw|belasting)\s*\)?",
    ),
    def(
        Total(Net),
        Some(Es),
        false,
        r"base\s*imponible|total\s*sin\s*iva",
    ),
    def(
        Total(Net),
        Some(It),
        false,
        r"(?:totale\s*)?imponibile|subtotale|totale\s*netto",
    ),
    def(
        Total(Net),
        Some(Pt),
        false,
        r"total\s*sem\s*iva|valor\s*liquido|base\s*tributavel",
    ),
    // The billed customer.
    def(
        Customer,
        Some(En),
        false,
        r"bill(?:ed)?\s*to|invoice(?:d)?\s*to|sold\s*to|customer(?:\s*name)?|client\s*name",
    ),
    def(
        Customer,
        Some(Fr),
        false,
        r"factur(?:e|er|ee)\s*a|adresse\s*de\s*facturation|destinataire",
    ),
    def(Customer, None, false, r"client|cliente"),
    def(
        Customer,
        Some(De),
        false,
        r"rechnung\s*an|rechnungs\s*-?\s*empfanger|rechnungsadresse|kunde|empfanger",
    ),
    def(
        Customer,
        Some(Nl),
        false,
        r"factuur\s*aan|gefactureerd\s*aan|factuuradres|klant",
    ),
    def(Customer, Some(Es), false, r"factura(?:r|do)\s*a"),
    def(
        Customer,
        Some(It),
        false,
        r"fatturare\s*a|intestatario|spett\s*\.?\s*le",
    ),
    def(Customer, Some(Pt), false, r"fatura(?:r|do)\s*a"),
    def(
        Email,
        None,
        false,
        r"e\s*-?\s*mail(?:\s*address)?|courriel|correo(?:\s*electronico)?",
    ),
    def(
        Currency,
        None,
        false,
        r"currency|devise|wahrung|valuta|moneda|divisa|moeda",
    ),
    def(
        Terms,
        None,
        false,
        r"(?:payment\s*)?terms|conditions\s*de\s*(?:paiement|reglement)|zahlungs\s*-?\s*(?:bedingungen|ziel)|betalings\s*-?\s*(?:termijn|voorwaarden)|condiciones\s*de\s*pago|(?:termini|condizioni)\s*di\s*pagamento|condicoes\s*de\s*pagamento",
    ),
    // Tax, payments and other numbers: never a field's value.
    def(
        Other,
        None,
        false,
        r"vat|tax|tva|mwst|ust|btw|iva|gst|hst|umsatzsteuer|mehrwertsteuer",
    ),
    def(
        Other,
        None,
        false,
        r"(?:vat|tax|tva|btw|iva|ust|gst)\s*(?:-?\s*id|reg(?:istration)?)?\s*(?:number|no\.?|nr\.?|n\s*\.?\s*o\.?|#|nummer|numero)|ust\s*-?\s*id(?:nr\.?)?|kvk(?:\s*-?\s*nummer)?|siret|siren|nif|cif|partita\s*iva|p\.?\s*iva|codice\s*fiscale",
    ),
    def(
        Other,
        None,
        false,
        r"(?:delivery|service|order|shipping|ship|supply)\s*date|date\s*of\s*(?:supply|delivery|service|order)|liefer\s*-?\s*datum|leistungs\s*-?\s*datum|bestell\s*-?\s*datum|date\s*de\s*(?:livraison|commande|prestation)|lever\s*-?\s*datum|bestel\s*-?\s*datum|fecha\s*de\s*(?:entrega|pedido)|data\s*di\s*(?:consegna|ordine)|data\s*de\s*(?:entrega|encomenda)|period|periode|zeitraum|periodo",
    ),
    def(
        Other,
        None,
        false,
        r"amount\s*paid|paid|payments?(?:\s*received)?|deja\s*(?:paye|regle)|acompte|bezahlt|anzahlung|betaald|pagado|pagato|pago\s*recibido|pago",
    ),
    def(
        Other,
        None,
        false,
        r"(?:customer|client|order|purchase\s*order|po|account)\s*(?:number|no\.?|#|id)|kunden\s*-?\s*(?:nummer|nr\.?)|klant\s*-?\s*nummer|bestell\s*-?\s*nummer|(?:n\s*\.?\s*o\.?|numero)\s*(?:de\s*)?client|iban|bic|swift|phone|tel\.?|telefon|telefoon|telefono|fax|page|seite|pagina|qty|quantity|menge|aantal|quantite|cantidad|quantita|quantidade",
    ),
];

/// A label ends where a word does: the character after it is not a letter or digit, unless
/// the label itself ends in punctuation (`n.`, `#`). Written into each pattern, so that of two
/// spellings (`client|cliente`) the one that ends a word is taken.
fn anchored(pattern: &str) -> String {
    format!(r"^(?P<label>(?:{pattern}))(?:\b|\W|$)")
}

static SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(DEFS.iter().map(|d| anchored(d.pattern)))
        .unwrap_or_else(|e| unreachable!("label patterns: {e}"))
});

static ONE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    DEFS.iter()
        .map(|d| {
            Regex::new(&anchored(d.pattern))
                .unwrap_or_else(|e| unreachable!("label pattern {}: {e}", d.pattern))
        })
        .collect()
});

/// A label found in a run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub class: Class,
    pub lang: Option<Lang>,
    pub weak: bool,
    /// Byte range of the label in the run's text, with the `:` or `#` that ends it.
    pub start: usize,
    pub end: usize,
}

/// `text` folded for matching, and for each byte of it the byte of `text` it came from (one
/// more at the end, for the end of the text).
pub(crate) struct Folded {
    pub text: String,
    pub origin: Vec<usize>,
}

/// Lower case, accents off, `ß` as `ss`, `°`/`º` as `o`, `ª` as `a`, any space as one space.
pub(crate) fn fold(text: &str) -> Folded {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        let mapped: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'ª' => {
                "a"
            }
            'æ' | 'Æ' => "ae",
            'ç' | 'Ç' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
            'ñ' | 'Ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | '°' | 'º' => {
                "o"
            }
            'œ' | 'Œ' => "oe",
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
            'ý' | 'ÿ' | 'Ý' => "y",
            'ß' => "ss",
            '’' | '‘' | '`' => "'",
            c if c.is_whitespace() => " ",
            _ => "",
        };
        if mapped.is_empty() {
            for lower in c.to_lowercase() {
                let before = out.len();
                out.push(lower);
                origin.extend(std::iter::repeat_n(i, out.len() - before));
            }
        } else {
            out.push_str(mapped);
            origin.extend(std::iter::repeat_n(i, mapped.len()));
        }
    }
    origin.push(text.len());
    Folded { text: out, origin }
}

/// Every label in `text`, left to right, none overlapping: at each place a label may start
/// (the start, or after a character that is not a letter), the longest that matches and is
/// not followed by a letter.
pub(crate) fn labels_in(text: &str) -> Vec<Hit> {
    let folded = fold(text);
    let f = folded.text.as_str();
    let mut hits = Vec::new();
    let mut i = 0;
    let mut previous: Option<char> = None;
    while i < f.len() {
        let Some(c) = f[i..].chars().next() else {
            break;
        };
        let at_boundary = previous.is_none_or(|p| !p.is_alphabetic());
        if at_boundary && c.is_alphabetic() {
            let rest = &f[i..];
            let best = SET
                .matches(rest)
                .iter()
                .filter_map(|k| {
                    let label = ONE[k].captures(rest)?.name("label")?;
                    Some((label.end(), k))
                })
                .max_by_key(|&(len, k)| (len, std::cmp::Reverse(k)));
            if let Some((len, k)) = best {
                let mut end = i + len;
                // The punctuation that ends a label belongs to it: `Date:`, `Invoice #`.
                let tail = &f[end..];
                let trimmed = tail.trim_start_matches([' ', ':', '#', '.', '-', '–']);
                let punctuation = &tail[..tail.len() - trimmed.len()];
                if punctuation.contains([':', '#']) {
                    end += punctuation.trim_end().len();
                }
                let d = &DEFS[k];
                hits.push(Hit {
                    class: d.class,
                    lang: d.lang,
                    weak: d.weak,
                    start: folded.origin[i],
                    end: folded.origin[end],
                });
                previous = f[..end].chars().next_back();
                i = end;
                continue;
            }
        }
        previous = Some(c);
        i += c.len_utf8();
    }
    hits
}

/// The titles a document prints at its head: never its issuer's name.
pub(crate) fn is_title(text: &str) -> bool {
    let folded = fold(text);
    let t = folded
        .text
        .trim()
        .trim_end_matches([':', '.'])
        .trim_start_matches("tax ");
    matches!(
        t,
        "invoice"
            | "facture"
            | "rechnung"
            | "factuur"
            | "factura"
            | "fattura"
            | "fatura"
            | "receipt"
            | "proforma"
    )
}

/// Month names and their usual abbreviations, in every language, with the month they name.
static MONTHS: &[(&str, u8)] = &[
    ("january", 1),
    ("jan", 1),
    ("janvier", 1),
    ("janv", 1),
    ("januar", 1),
    ("janner", 1),
    ("januari", 1),
    ("enero", 1),
    ("ene", 1),
    ("gennaio", 1),
    ("gen", 1),
    ("janeiro", 1),
    ("february", 2),
    ("feb", 2),
    ("fevrier", 2),
    ("fev", 2),
    ("fevr", 2),
    ("februar", 2),
    ("februari", 2),
    ("febrero", 2),
    ("febbraio", 2),
    ("fevereiro", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("marz", 3),
    ("mrz", 3),
    ("maart", 3),
    ("mrt", 3),
    ("marzo", 3),
    ("marco", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("avr", 4),
    ("abril", 4),
    ("abr", 4),
    ("aprile", 4),
    ("may", 5),
    ("mai", 5),
    ("mei", 5),
    ("mayo", 5),
    ("maggio", 5),
    ("mag", 5),
    ("maio", 5),
    ("june", 6),
    ("jun", 6),
    ("juin", 6),
    ("juni", 6),
    ("junio", 6),
    ("giugno", 6),
    ("giu", 6),
    ("junho", 6),
    ("july", 7),
    ("jul", 7),
    ("juillet", 7),
    ("juil", 7),
    ("juli", 7),
    ("julio", 7),
    ("luglio", 7),
    ("lug", 7),
    ("julho", 7),
    ("august", 8),
    ("aug", 8),
    ("aout", 8),
    ("augustus", 8),
    ("agosto", 8),
    ("ago", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("settembre", 9),
    ("set", 9),
    ("setembro", 9),
    ("october", 10),
    ("oct", 10),
    ("octobre", 10),
    ("oktober", 10),
    ("okt", 10),
    ("octubre", 10),
    ("ottobre", 10),
    ("ott", 10),
    ("outubro", 10),
    ("out", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("december", 12),
    ("dec", 12),
    ("decembre", 12),
    ("dezember", 12),
    ("dez", 12),
    ("diciembre", 12),
    ("dic", 12),
    ("dicembre", 12),
    ("dezembro", 12),
];

/// The month a word names (`Mai`, `juillet`, `Sept.`, `août`), in any of the languages.
pub(crate) fn month(word: &str) -> Option<u8> {
    let folded = fold(word.trim_end_matches('.'));
    let w = folded.text.as_str();
    MONTHS.iter().find(|(name, _)| *name == w).map(|&(_, m)| m)
}

/// Every symbol [`currencies_of_marker`] knows, longest first (so `US$` is tried before `$`).
pub(crate) const MARKERS: &[&str] = &[
    "SFr.", "US$", "U$S", "CA$", "AU$", "NZ$", "HK$", "SG$", "MX$", "CHF", "Rs.", "Fr.", "kr.",
    "Kr.", "C$", "A$", "S$", "R$", "Rs", "zł", "Kč", "kr", "Kr", "€", "£", "₹", "₩", "₺", "₱", "₪",
    "₫", "฿", "₴", "₽", "₦", "₨", "¥", "￥", "$",
];

/// An ISO code or symbol before or after an amount, and the currencies it can mean.
pub(crate) fn currencies_of_marker(marker: &str) -> Option<&'static [&'static str]> {
    let m = marker.trim();
    let found: &'static [&'static str] = match m {
        "€" => &["EUR"],
        "£" => &["GBP"],
        "₹" => &["INR"],
        "US$" | "U$S" => &["USD"],
        "CA$" | "C$" => &["CAD"],
        "A$" | "AU$" => &["AUD"],
        "NZ$" => &["NZD"],
        "HK$" => &["HKD"],
        "S$" | "SG$" => &["SGD"],
        "R$" => &["BRL"],
        "MX$" => &["MXN"],
        "Fr." | "SFr." | "CHF" => &["CHF"],
        "zł" => &["PLN"],
        "Kč" => &["CZK"],
        "₩" => &["KRW"],
        "₺" => &["TRY"],
        "₱" => &["PHP"],
        "₪" => &["ILS"],
        "₫" => &["VND"],
        "฿" => &["THB"],
        "₴" => &["UAH"],
        "₽" => &["RUB"],
        "₦" => &["NGN"],
        "$" => &["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"],
        "¥" | "￥" => &["JPY", "CNY"],
        "kr" | "kr." | "Kr" | "Kr." => &["SEK", "NOK", "DKK", "ISK"],
        "Rs" | "Rs." | "₨" => &["INR", "PKR", "LKR", "NPR"],
        _ => return None,
    };
    Some(found)
}

/// Countries named in an address, with their currency: they settle a `$`, `¥`, `kr` or `Rs`.
static COUNTRIES: &[(&str, &str)] = &[
    ("united states", "USD"),
    ("usa", "USD"),
    ("u.s.a.", "USD"),
    ("etats-unis", "USD"),
    ("vereinigte staaten", "USD"),
    ("verenigde staten", "USD"),
    ("estados unidos", "USD"),
    ("stati uniti", "USD"),
    ("canada", "CAD"),
    ("kanada", "CAD"),
    ("australia", "AUD"),
    ("australie", "AUD"),
    ("australien", "AUD"),
    ("australie", "AUD"),
    ("new zealand", "NZD"),
    ("nouvelle-zelande", "NZD"),
    ("neuseeland", "NZD"),
    ("nieuw-zeeland", "NZD"),
    ("nueva zelanda", "NZD"),
    ("nuova zelanda", "NZD"),
    ("singapore", "SGD"),
    ("singapour", "SGD"),
    ("singapur", "SGD"),
    ("hong kong", "HKD"),
    ("mexico", "MXN"),
    ("mexique", "MXN"),
    ("mexiko", "MXN"),
    ("india", "INR"),
    ("inde", "INR"),
    ("indien", "INR"),
    ("pakistan", "PKR"),
    ("sri lanka", "LKR"),
    ("nepal", "NPR"),
    ("japan", "JPY"),
    ("japon", "JPY"),
    ("giappone", "JPY"),
    ("japao", "JPY"),
    ("china", "CNY"),
    ("chine", "CNY"),
    ("cina", "CNY"),
    ("sweden", "SEK"),
    ("suede", "SEK"),
    ("schweden", "SEK"),
    ("zweden", "SEK"),
    ("suecia", "SEK"),
    ("svezia", "SEK"),
    ("norway", "NOK"),
    ("norvege", "NOK"),
    ("norwegen", "NOK"),
    ("noorwegen", "NOK"),
    ("noruega", "NOK"),
    ("norvegia", "NOK"),
    ("denmark", "DKK"),
    ("danemark", "DKK"),
    ("danemark", "DKK"),
    ("denemarken", "DKK"),
    ("dinamarca", "DKK"),
    ("danimarca", "DKK"),
    ("iceland", "ISK"),
    ("islande", "ISK"),
    ("ijsland", "ISK"),
];

/// The countries `text` names (as whole words), each once, with their currency.
pub(crate) fn countries_in(text: &str) -> Vec<(&'static str, &'static str)> {
    let folded = fold(text);
    let f = folded.text.as_str();
    let mut found: Vec<(&'static str, &'static str)> = Vec::new();
    for &(name, code) in COUNTRIES {
        let whole_word = f.match_indices(name).any(|(i, _)| {
            let before = f[..i].chars().next_back();
            let after = f[i + name.len()..].chars().next();
            before.is_none_or(|c| !c.is_alphanumeric())
                && after.is_none_or(|c| !c.is_alphanumeric())
        });
        if whole_word && !found.iter().any(|&(_, c)| c == code) {
            found.push((name, code));
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn classes(text: &str) -> Vec<(Class, &str)> {
        labels_in(text)
            .into_iter()
            .map(|h| (h.class, &text[h.start..h.end]))
            .collect()
    }

    #[test]
    fn labels_are_found_in_every_language_anywhere_in_a_run() {
        assert_eq!(classes("Facture n° 2015-07"), [(Number, "Facture n°")]);
        assert_eq!(classes("Rechnungsnr.: 4711"), [(Number, "Rechnungsnr.:")]);
        assert_eq!(
            classes("993548900Factuurnummer:"),
            [(Number, "Factuurnummer:")]
        );
        assert_eq!(
            classes("Guest Name: Sanjay Date: 31/12/2017"),
            [(IssueDate, "Date:")]
        );
        assert_eq!(
            classes("Factuur totaal EUR 49,99"),
            [(Total(Gross), "Factuur totaal")]
        );
        assert_eq!(classes("Somme à payer"), [(Total(Due), "Somme à payer")]);
        assert_eq!(classes("Total HT"), [(Total(Net), "Total HT")]);
        assert_eq!(classes("Total TTC"), [(Total(Gross), "Total TTC")]);
        assert_eq!(classes("Vervaldatum"), [(DueDate, "Vervaldatum")]);
        assert_eq!(classes("Fälligkeitsdatum"), [(DueDate, "Fälligkeitsdatum")]);
        assert_eq!(classes("FACTURA Nº"), [(Number, "FACTURA Nº")]);
        assert_eq!(
            classes("Invoice No : # BLR_1"),
            [(Number, "Invoice No : #")]
        );
        assert_eq!(
            classes("Total incl. VAT"),
            [(Total(Gross), "Total incl. VAT")]
        );
        assert_eq!(classes("VAT No. GB123"), [(Other, "VAT No.")]);
        // Inside a word is not a label.
        assert_eq!(classes("Subtotalled datum"), [(IssueDate, "datum")]);
    }

    #[test]
    fn folding_keeps_the_way_back_to_the_printed_text() {
        let f = fold("Échéance: 2 août");
        assert_eq!(f.text, "echeance: 2 aout");
        assert_eq!(f.origin[f.text.find("aout").unwrap()], "Échéance: 2 ".len());
        assert_eq!(*f.origin.last().unwrap(), "Échéance: 2 août".len());
    }

    #[test]
    fn months_and_countries_in_every_language() {
        for (word, m) in [
            ("Mai", 5),
            ("Juillet", 7),
            ("août", 8),
            ("Sept.", 9),
            ("dic", 12),
        ] {
            assert_eq!(month(word), Some(m), "{word}");
        }
        assert_eq!(month("Monday"), None);
        assert_eq!(
            countries_in("Toronto, Canada / Seattle WA, USA"),
            [("usa", "USD"), ("canada", "CAD")]
        );
        assert!(countries_in("Indiana").is_empty());
        assert_eq!(
            currencies_of_marker("Rs"),
            Some(&["INR", "PKR", "LKR", "NPR"][..])
        );
    }
}
