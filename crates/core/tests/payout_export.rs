//! Payout exports (`viatrack_core::api::payout_export`): amounts in the major unit by the
//! currency's digits, PayPal's one-currency rule, and files the `csv` crate reads back.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use viatrack_core::api::fields::Currency;
use viatrack_core::api::payout_export::{major_units, minor_digits, render, ExportError, ExportFormat, ExportRow};
use viatrack_core::api::payouts::Payout;
use viatrack_core::payout::PayoutStatus;
use viatrack_core::Timestamp;

fn currency(code: &str) -> Currency {
    Currency::try_from(code.to_string()).unwrap()
}

fn payout(n: u8, code: &str, amount: i64) -> Payout {
    let t = Timestamp::parse_iso8601("2026-11-30T12:00:00.000Z").unwrap();
    Payout {
        id: format!("pay_{:032x}", n).parse().unwrap(),
        affiliate_id: format!("aff_{:032x}", n).parse().unwrap(),
        currency: currency(code),
        amount,
        status: PayoutStatus::Pending,
        reference: None,
        commissions_count: 2,
        due_before: t,
        paid_at: None,
        failed_at: None,
        canceled_at: None,
        created_at: t,
        updated_at: t,
        commissions: None,
    }
}

#[test]
fn amounts_are_written_in_the_major_unit() {
    for (cents, code, want) in [
        (12345, "USD", "123.45"),
        (5, "EUR", "0.05"),
        (-250, "USD", "-2.50"),
        (100, "USD", "1.00"),
        (500, "JPY", "500"),
        (1005, "KWD", "1.005"),
        (0, "GBP", "0.00"),
    ] {
        assert_eq!(major_units(cents, &currency(code)), want, "{cents} {code}");
    }
    assert_eq!(minor_digits(&currency("usd")), 2, "codes are upper-cased on input");
}

#[test]
fn paypal_rows_have_no_header_and_one_currency() {
    let (a, b) = (payout(1, "USD", 6000), payout(2, "USD", 123_456));
    let rows = [
        ExportRow { payout: &a, recipient: "ann@example.com", name: Some("Ann, \"the\" Affiliate") },
        ExportRow { payout: &b, recipient: "bob@example.com", name: None },
    ];
    let file = render(ExportFormat::PayPal, &rows).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(file.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][0], "ann@example.com");
    assert_eq!(&records[0][1], "60.00");
    assert_eq!(&records[0][2], "USD");
    assert!(
        records[0][3].len() <= 30 && !records[0][3].contains(' '),
        "PayPal's customer ID: 30 characters, no spaces"
    );
    assert_eq!(&records[0][5], "PAYPAL");
    assert_eq!(&records[1][1], "1234.56");
    let eur = payout(3, "EUR", 100);
    let mixed = [rows[0], ExportRow { payout: &eur, recipient: "eve@example.com", name: None }];
    assert_eq!(render(ExportFormat::PayPal, &mixed), Err(ExportError::SeveralCurrencies("EUR, USD".into())));
}

#[test]
fn wise_and_csv_files_read_back_with_their_headers() {
    let (a, b) = (payout(1, "EUR", 2000), payout(2, "JPY", 5000));
    let rows = [
        ExportRow { payout: &a, recipient: "ann@example.com", name: Some("Ann, \"the\" Affiliate") },
        ExportRow { payout: &b, recipient: "bob@example.com", name: None },
    ];
    let wise = render(ExportFormat::Wise, &rows).unwrap();
    let mut reader = csv::Reader::from_reader(wise.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "name",
            "recipientEmail",
            "paymentReference",
            "receiverType",
            "amountCurrency",
            "amount",
            "sourceCurrency",
            "targetCurrency"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&records[0][0], "Ann, \"the\" Affiliate", "quoting is the csv crate's");
    assert_eq!(&records[0][5], "20.00");
    assert_eq!(&records[1][0], "bob@example.com", "no name: the recipient");
    assert_eq!(&records[1][5], "5000", "JPY has no minor unit");
    assert_eq!(&records[1][2], a.id.as_str().replace('1', "2"));

    let plain = render(ExportFormat::Csv, &rows).unwrap();
    let mut reader = csv::Reader::from_reader(plain.as_bytes());
    let amount = reader.headers().unwrap().iter().position(|h| h == "amount_cents").unwrap();
    let cents: i64 = reader.records().map(|r| r.unwrap()[amount].parse::<i64>().unwrap()).sum();
    assert_eq!(cents, 7000);
}
