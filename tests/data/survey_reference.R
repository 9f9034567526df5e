# Reference values of tests/test_survey_estimators.py and tests/test_survey_compute.py,
# computed with R's survey package (Lumley), an implementation independent of this one.
# Run: Rscript tests/data/survey_reference.R   (tested with R 4.2 and survey 4.1-1)
suppressMessages(library(survey))
options(digits = 16)

## "domain" block: a stratified cluster sample written in the tests (KIDS).
kids <- data.frame(
  stratum = c(rep("a", 6), rep("b", 5)),
  place = c(1, 1, 1, 2, 2, 3, 4, 4, 4, 4, 5),
  N = c(rep(10, 6), rep(4, 5)),
  w = c(rep(10 / 3, 6), rep(2, 5)),
  girl = c(1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0),
  y = c(1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0)
)
d <- svydesign(id = ~place, strata = ~stratum, weights = ~w, fpc = ~N, data = kids)
r <- svyratio(~I(y * girl), ~girl, d)
cat("domain ratio", coef(r), "SE", SE(r), "\n")
m <- svymean(~y, subset(d, girl == 1), deff = TRUE)
cat("domain mean", coef(m), "SE", SE(m), "deff", deff(m), "degf", degf(d), "\n")
places <- aggregate(cbind(girls = girl) ~ place + stratum + N + w, kids, sum)
dp <- svydesign(id = ~place, strata = ~stratum, weights = ~w, fpc = ~N, data = places)
t <- svytotal(~girls, dp, deff = TRUE)
cat("girls total", coef(t), "SE", SE(t), "deff", deff(t), "\n")
