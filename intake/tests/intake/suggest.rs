//! `--suggest-mapping`: a ready `[intake.custom]` block that parses back as the mapping, and
//! imports the file it was made from.

use chaser_intake::{CustomMapping, FileError, Options, read_export, suggest_mapping};

use crate::{fixture, options, rejected};

/// The `[intake.custom]` table of a config text.
fn mapping(block: &str) -> CustomMapping {
    let config: toml::Table = toml::from_str(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
    config["intake"]["custom"].clone().try_into().unwrap()
}

fn custom(mapping: CustomMapping) -> Options {
    Options {
        custom: Some(mapping),
        ..options()
    }
}

#[test]
fn titles_no_layout_knows_get_a_block_that_imports_the_file() {
    // Arrange: no layout knows these titles, and the currency column's title gives nothing.
    let text = "Ref,Who,Gross,Raised,Payable by,Cur,Notes\n\
                A-1,Acme Ltd,\"1,200.00\",2026-11-01,2026-12-01,USD,first\n\
                A-2,Beta GmbH,450.00,2026-11-03,2026-12-03,EUR,\n";
    assert!(read_export(text.as_bytes(), "odd.csv", &options()).is_err());

    // Act
    let block = suggest_mapping(text.as_bytes(), "odd.csv", &Options::default()).unwrap();

    // Assert: the block as printed, and what it parses to.
    assert_eq!(
        block,
        "# Suggested for odd.csv from its header on line 1. Check each line (the ones marked\n\
         # \"guessed\" were read from the values), then put the block in the config.\n\
         [intake.custom]\n\
         number = \"Ref\"\n\
         customer = \"Who\"\n\
         amount = \"Gross\"\n\
         issue_date = \"Raised\"\n\
         due_date = \"Payable by\"\n\
         currency = \"Cur\"  # guessed\n\
         # not used: Notes\n"
    );
    let suggested = mapping(&block);
    assert_eq!(
        suggested,
        CustomMapping {
            number: "Ref".into(),
            customer: "Who".into(),
            amount: "Gross".into(),
            issue_date: "Raised".into(),
            due_date: Some("Payable by".into()),
            currency: Some("Cur".into()),
            ..CustomMapping::default()
        }
    );
    let export = read_export(text.as_bytes(), "odd.csv", &custom(suggested)).unwrap();
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(crate::numbers(&export), ["A-1", "A-2"]);
}

#[test]
fn meaningless_titles_are_matched_by_their_values() {
    let text = "Report of 3 Dec 2026\n\
                \n\
                Col A,Col B,Col C,Col D,Col E,Col F\n\
                INV-7,Acme Ltd,2026-11-01,2026-12-01,\"1,000.00\",ap@acme.example\n\
                INV-8,Beta GmbH,2026-11-02,2026-12-02,250.50,ap@beta.example\n";
    let block = suggest_mapping(text.as_bytes(), "cols.csv", &Options::default()).unwrap();
    let suggested = mapping(&block);
    assert_eq!(
        suggested,
        CustomMapping {
            number: "Col A".into(),
            customer: "Col B".into(),
            amount: "Col E".into(),
            issue_date: "Col C".into(),
            due_date: Some("Col D".into()),
            contact_email: Some("Col F".into()),
            ..CustomMapping::default()
        }
    );
    assert!(block.contains("number = \"Col A\"  # guessed\n"), "{block}");
    assert!(block.contains("from its header on line 3"), "{block}");
    let usd = Options {
        default_currency: Some(chaser_domain::Currency::parse("USD").unwrap()),
        ..custom(suggested)
    };
    let export = read_export(text.as_bytes(), "cols.csv", &usd).unwrap();
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(export.rows.len(), 2);
}

#[test]
fn repeated_numbers_and_a_line_total_make_a_line_item_mapping() {
    let text = "Inv Ref,Client,Line Total,Currency,Issued,Due\n\
                A-1,Acme,100.00,USD,2026-11-01,2026-12-01\n\
                A-1,Acme,-10.00,USD,2026-11-01,2026-12-01\n";
    let block = suggest_mapping(text.as_bytes(), "lines.csv", &Options::default()).unwrap();
    let suggested = mapping(&block);
    assert_eq!(suggested.amount, "Line Total");
    assert_eq!(suggested.line_amount.as_deref(), Some("Line Total"));
    assert!(suggested.line_items);
    let export = read_export(text.as_bytes(), "lines.csv", &custom(suggested)).unwrap();
    assert_eq!(export.rows[0].invoice.amount, crate::money("USD 90"));
}

#[test]
fn a_plain_sheet_gets_the_mapping_it_already_reads_as() {
    let bytes = fixture("generic_plain.csv");
    let suggested = mapping(&suggest_mapping(&bytes, "plain.csv", &Options::default()).unwrap());
    assert_eq!(suggested.number, "Invoice Number");
    assert_eq!(suggested.amount, "Amount Due");
    assert_eq!(suggested.balance.as_deref(), Some("Amount Due"));
    assert_eq!(suggested.status.as_deref(), Some("Status"));
    let mapped = read_export(&bytes, "plain.csv", &custom(suggested)).unwrap();
    let plain = read_export(&bytes, "plain.csv", &options()).unwrap();
    assert_eq!(mapped.rows, plain.rows);
    assert_eq!(mapped.flagged, plain.flagged);
}

#[test]
fn titles_with_quotes_survive_the_round_trip() {
    let text = "\"Invoice \"\"No\"\"\",Customer,Amount,Date\nA-1,Acme,10.00,2026-11-01\n";
    let block = suggest_mapping(text.as_bytes(), "q.csv", &Options::default()).unwrap();
    assert_eq!(mapping(&block).number, "Invoice \"No\"");
}

#[test]
fn a_file_without_the_required_kinds_of_column_says_what_it_lacks() {
    let err = suggest_mapping(
        b"Colour,Size\nred,L\nblue,M\n",
        "x.csv",
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        FileError::CannotSuggest {
            file: "x.csv".into(),
            missing: vec![
                "number".into(),
                "customer".into(),
                "issue date".into(),
                "an amount".into()
            ],
            found: vec!["Colour".into(), "Size".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        "x.csv: cannot suggest a mapping: no column looks like number or customer or issue date or an amount; the header has: Colour, Size"
    );
}
