module github.com/squareoauth/squareoauth

go 1.25.0
