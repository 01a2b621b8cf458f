// The large guideline the studio's budgets are measured on.

/** A guideline of about `lines` lines that uses the built-in STarT Back,
 * with inputs, definitions and recommendations that each state a source. */
export function bigGuideline(lines) {
  const out = [
    'guideline bench.big "A large guideline" {',
    '  issuer "bench"', '  version "1"', "  status draft", "  language en", '  source "generated"', "}",
    "use instruments.start_back", "", "input {", "  weight_loss : boolean",
  ];
  const n = Math.floor((lines - 20) / 9);
  for (let i = 0; i < n; i++) out.push(`  score_${i} : integer in 0..100`);
  out.push("}", "");
  for (let i = 0; i < n; i++) {
    out.push(
      `quote en "A score over ${i % 90} counts." at "section ${i}"`,
      `define high_${i} = score_${i} > ${i % 90}`,
      "",
      `quote en "Offer care ${i} when the score is high." at "section ${i}"`,
      `recommend care_${i} "Care ${i}" {`,
      `  when high_${i} and (weight_loss or start_back.risk is high)`,
      "}",
      "",
    );
  }
  return out.join("\n") + "\n";
}

