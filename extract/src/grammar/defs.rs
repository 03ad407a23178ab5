//! Every label the reader knows, in each language, with what it introduces: the table the
//! label matcher is built from, and the words that classify a label.

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
pub(super) struct Def {
    pub(super) class: Class,
    pub(super) lang: Option<Lang>,
    pub(super) weak: bool,
    pub(super) pattern: &'static str,
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
pub(super) static DEFS: &[Def] = &[
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
