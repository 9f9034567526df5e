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

## "engine" block: the sample survey of tests/survey_cases.py (places P1-P3 of 6 police
## places, J1-J2 of 2), as the engine sees it: one row per visited place with its counts
## (rates), one row per child held on C plus an empty row per place (percentages).
places <- data.frame(
  place = c("P1", "P2", "P3", "J1", "J2"), stratum = c(rep("police", 3), rep("prison", 2)),
  N = c(6, 6, 6, 2, 2), w = c(2, 2, 2, 1, 1),
  held = c(2, 0, 1, 3, 1), boys = c(1, 0, 1, 2, 1), pre = c(2, 0, 0, 1, 0)
)
dp <- svydesign(id = ~place, strata = ~stratum, weights = ~w, fpc = ~N, data = places)
for (v in c("held", "boys", "pre")) {
  t <- svytotal(as.formula(paste0("~", v)), dp, deff = TRUE)
  cat("JJ02", v, coef(t), "SE", SE(t), "deff", deff(t), "CI", confint(t, df = degf(dp)), "\n")
}
kids <- data.frame(
  place = c("P1", "P1", "P3", "J1", "J1", "J1", "J2", "P2"),
  stratum = c("police", "police", "police", "prison", "prison", "prison", "prison", "police"),
  N = c(6, 6, 6, 2, 2, 2, 2, 6), w = c(2, 2, 2, 1, 1, 1, 1, 2),
  held = c(1, 1, 1, 1, 1, 1, 1, 0),
  known = c(1, 1, 1, 1, 1, 0, 1, 0), notsep = c(0, 1, 1, 0, 0, 0, 1, 0),
  visited = c(1, 0, 1, 1, 0, 0, 1, 0), boy = c(0, 1, 1, 0, 1, 1, 1, 0)
)
dk <- svydesign(id = ~place, strata = ~stratum, weights = ~w, fpc = ~N, data = kids)
m <- svymean(~notsep, subset(dk, known == 1), deff = TRUE)
cat("JJ07 total", coef(m), "SE", SE(m), "deff", deff(m), "CI", confint(m, df = degf(dk)), "\n")
m <- svymean(~visited, subset(dk, held == 1 & boy == 1), deff = TRUE)
cat("JJ08 boys", coef(m), "SE", SE(m), "deff", deff(m), "CI", confint(m, df = degf(dk)), "\n")
