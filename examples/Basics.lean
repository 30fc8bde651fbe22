/-!
# Trying OProver

A small file to prove from the command line: `oprover prove examples/Basics.lean`.

Some `sorry`s close with one tactic of the symbolic pre-pass (`rfl`, `decide`, `omega`, `simp`),
one closes by replaying a proof the memory bank already holds (a complete theorem of this file is
indexed before proving), and two need a model: they take an induction.
-/

namespace OProverExamples

/-- The sum `0 + 1 + ... + n`, written out recursively. -/
def sumTo : Nat → Nat
  | 0 => 0
  | n + 1 => (n + 1) + sumTo n

/-- Twice `n`, by recursion. -/
def double : Nat → Nat
  | 0 => 0
  | n + 1 => double n + 2

/-- A complete proof: it goes into the memory bank. -/
theorem sumTo_succ (n : Nat) : sumTo (n + 1) = n + 1 + sumTo n := by
  rfl

/-- A complete proof, replayed below for a theorem with the same statement. -/
theorem mul_comm_nat (a b : Nat) : a * b = b * a := by
  exact Nat.mul_comm a b

/-- The pre-pass: `decide` evaluates it. -/
theorem two_pow_ten : 2 ^ 10 = 1024 := by
  sorry

/-- The pre-pass: linear arithmetic, `omega`. -/
theorem double_lt (n : Nat) (h : n < 5) : 2 * n + 1 < 11 := by
  sorry

/-- The pre-pass: `simp` knows `List.append_nil`. -/
theorem append_nil_length (xs : List Nat) : (xs ++ []).length = xs.length := by
  sorry

/-- The pre-pass: `sumTo 3` computes to `6`, so `rfl`. -/
theorem sumTo_three : sumTo 3 = 6 := by
  sorry

/-- The statement of `mul_comm_nat` again: replaying the bank's proof closes it. -/
theorem mul_comm_again (a b : Nat) : a * b = b * a := by
  sorry

/-- Needs an induction: a model. -/
theorem double_eq (n : Nat) : double n = 2 * n := by
  sorry

/-- Gauss's formula: an induction with some arithmetic, a model. -/
theorem sumTo_formula (n : Nat) : 2 * sumTo n = n * (n + 1) := by
  sorry

end OProverExamples
