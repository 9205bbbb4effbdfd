DROP TABLE address_confirmations;
