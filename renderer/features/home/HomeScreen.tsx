export function HomeScreen() {
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">Customer-managed key ceremony</h1>
      <p>
        Key Holder walks each key holder through their part of the dual-party ceremony: the Azure Information Worksheet, the source key and its
        escrow, the import into your own Key Vault, and the submission to the vendor.
      </p>
    </section>
  );
}
