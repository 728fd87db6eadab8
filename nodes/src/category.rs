//! The palette categories of the catalogue, in palette order. A category is data (a
//! name and an order): a new one is a line here, not an engine change.

use pipewright_engine::Category;

/// Loading, generating, checking data.
pub const DATA: Category = Category::new("Data", 10);
/// Reshaping, splitting, scaling, encoding.
pub const TRANSFORM: Category = Category::new("Transform", 20);
/// Fitting models.
pub const TRAIN: Category = Category::new("Train", 30);
/// Predicting, scoring, choosing.
pub const EVALUATE: Category = Category::new("Evaluate", 40);
/// Control of the flow itself (start, end).
pub const FLOW: Category = Category::new("Flow", 50);
