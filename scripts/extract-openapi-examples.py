#!/usr/bin/env python3
"""Copies the example bodies of Xero's official OpenAPI file into tests/fixtures/openapi/ as JSON.

Run by hand when ../shared/xero-openapi/xero_accounting.yaml changes; the output is committed so
the tests need neither Python nor the YAML parser. Dates that YAML would turn into date objects
are written back as the strings they were (default=str)."""
import json, os, sys, yaml

here = os.path.dirname(os.path.abspath(__file__))
spec = os.path.join(here, '..', '..', 'shared', 'xero-openapi', 'xero_accounting.yaml')
out = os.path.join(here, '..', 'tests', 'fixtures', 'openapi')
d = yaml.safe_load(open(spec))
wanted = {
    ('/Organisation', 'get', '200'): 'organisation',
    ('/Accounts', 'get', '200'): 'accounts',
    ('/TaxRates', 'get', '200'): 'tax-rates',
    ('/TrackingCategories', 'get', '200'): 'tracking-categories',
    ('/Contacts', 'get', '200'): 'contacts',
    ('/Contacts', 'put', '200'): 'contacts-put-response',
    ('/Contacts', 'put', '400'): 'contacts-put-400',
    ('/Items', 'get', '200'): 'items',
    ('/Currencies', 'get', '200'): 'currencies',
    ('/Invoices', 'get', '200'): 'invoices-get',
    ('/Invoices', 'put', '200'): 'invoices-put-response',
    ('/Invoices', 'put', 'request'): 'invoices-put-request',
    ('/Invoices/{InvoiceID}', 'get', '200'): 'invoice-get-error',
    ('/CreditNotes', 'get', '200'): 'credit-notes-get',
    ('/CreditNotes', 'put', '200'): 'credit-notes-put-response',
    ('/CreditNotes', 'put', 'request'): 'credit-notes-put-request',
    ('/CreditNotes/{CreditNoteID}/Allocations', 'put', '200'): 'allocations-put-response',
    ('/CreditNotes/{CreditNoteID}/Allocations', 'put', 'request'): 'allocations-put-request',
}
for (path, method, code), name in wanted.items():
    op = d['paths'][path][method]
    if code == 'request':
        content = op['requestBody']['content']
    else:
        content = op['responses'][code]['content']
    example = content['application/json']['example']
    with open(os.path.join(out, name + '.json'), 'w') as f:
        json.dump(example, f, indent=2, default=str)
        f.write('\n')
print(f'wrote {len(wanted)} fixtures to {out}', file=sys.stderr)
