//! Registration (用户注册) rules: username, password strength, real name,
//! identity document and optional contacts. Pure, so the same rules give
//! instant feedback in the browser and are enforced again on the server.

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Ymd;
use crate::domain::id_document::{normalize_id_number, IdType};
use crate::domain::problem::{Field, FieldError, Problem};

pub const USERNAME_MIN: usize = 4;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 64;
pub const REAL_NAME_MAX: usize = 50;
pub const EMAIL_MAX: usize = 254;

/// The registration form as submitted (field names match the form inputs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistrationForm {
    pub username: String,
    pub password: String,
    pub password_confirm: String,
    pub real_name: String,
    pub id_type: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// A registration that passed every rule, normalised for storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub real_name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Usernames are case-insensitive: stored lower-cased.
pub fn normalize_username(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

/// 4–32 ASCII letters, digits, `_` `.` `-`, starting with a letter.
pub fn check_username(username: &str) -> Result<(), Problem> {
    check_username_shape(username, |c| c.is_ascii_alphabetic())
}

/// An exam-registration platform's username, as an account import brings
/// it: the same characters and length as ours, but it may start with a
/// digit (platform holders often chose their mobile number). Registration
/// on ecert keeps the stricter rule (docs/accounts.md).
pub fn check_platform_username(username: &str) -> Result<(), Problem> {
    check_username_shape(username, |c| c.is_ascii_alphanumeric())
}

fn check_username_shape(username: &str, first: fn(char) -> bool) -> Result<(), Problem> {
    if username.is_empty() {
        return Err(Problem::Required);
    }
    let starts_ok = username.chars().next().is_some_and(first);
    let rest_ok = username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let len_ok = (USERNAME_MIN..=USERNAME_MAX).contains(&username.len());
    if starts_ok && rest_ok && len_ok {
        Ok(())
    } else {
        Err(Problem::UsernameFormat)
    }
}

/// 8–64 characters, at least three of: lower case, upper case, digit, symbol;
/// must not contain the username.
pub fn check_password(password: &str, username: &str) -> Result<(), Problem> {
    let len = password.chars().count();
    if len == 0 {
        return Err(Problem::Required);
    }
    if len < PASSWORD_MIN {
        return Err(Problem::PasswordTooShort);
    }
    if len > PASSWORD_MAX {
        return Err(Problem::TooLong);
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(Problem::PasswordTooWeak);
    }
    if !username.is_empty() && password.to_ascii_lowercase().contains(&username.to_ascii_lowercase()) {
        return Err(Problem::PasswordContainsUsername);
    }
    Ok(())
}

/// Chinese names may carry a middle dot (·) and foreign names spaces; no
/// digits, control characters or markup.
pub fn check_real_name(name: &str) -> Result<(), Problem> {
    if name.is_empty() {
        return Err(Problem::Required);
    }
    if name.chars().count() > REAL_NAME_MAX {
        return Err(Problem::TooLong);
    }
    let ok = name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '·' | '•' | '.' | '-' | '\''));
    if ok {
        Ok(())
    } else {
        Err(Problem::RealNameFormat)
    }
}

/// Mainland mobile (11 digits starting 13–19) or an international number (+ and 6–15 digits).
pub(crate) fn normalize_phone(raw: &str) -> Result<Option<String>, Problem> {
    let phone: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if phone.is_empty() {
        return Ok(None);
    }
    let digits = phone.strip_prefix('+').unwrap_or(&phone);
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let mainland =
        !phone.starts_with('+') && phone.len() == 11 && phone.starts_with('1') && phone.as_bytes()[1] >= b'3';
    let international = phone.starts_with('+') && (6..=15).contains(&digits.len());
    if all_digits && (mainland || international) {
        Ok(Some(phone))
    } else {
        Err(Problem::PhoneFormat)
    }
}

pub(crate) fn normalize_email(raw: &str) -> Result<Option<String>, Problem> {
    let email = raw.trim();
    if email.is_empty() {
        return Ok(None);
    }
    if email.len() > EMAIL_MAX {
        return Err(Problem::TooLong);
    }
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(Some(email.to_string()))
    } else {
        Err(Problem::EmailFormat)
    }
}

/// Whose password and sessions are meant: a holder's or a staff member's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Account {
    Holder(i64),
    Staff(i64),
}

/// One line of 最近登录记录 on 账户安全.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInEvent {
    pub at: crate::domain::instant::Instant,
    pub kind: SignInKind,
    pub client_addr: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInKind {
    SignedIn,
    /// A wrong password for this username (at login or when changing it).
    Failed,
    PasswordChanged,
    OtherSessionsEnded,
}

/// 修改密码 as submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

/// The new password's rules (those of registration, and not the current
/// one again); the current password itself is checked against the stored hash.
pub fn validate_password_change(change: &PasswordChange, username: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if change.current_password.is_empty() {
        errors.push(FieldError { field: Field::CurrentPassword, problem: Problem::Required });
    }
    if let Err(problem) = check_password(&change.new_password, username) {
        errors.push(FieldError { field: Field::Password, problem });
    } else if change.new_password == change.current_password {
        errors.push(FieldError { field: Field::Password, problem: Problem::PasswordUnchanged });
    }
    if change.new_password != change.new_password_confirm {
        errors.push(FieldError { field: Field::PasswordConfirm, problem: Problem::PasswordMismatch });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks every field and reports every problem at once, so the holder can fix
/// the whole form in one go.
pub fn validate_registration(form: &RegistrationForm, today: Ymd) -> Result<Registration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut note = |field, r: Result<(), Problem>| {
        if let Err(problem) = r {
            errors.push(FieldError { field, problem });
        }
    };

    let username = normalize_username(&form.username);
    note(Field::Username, check_username(&username));
    note(Field::Password, check_password(&form.password, &username));
    if form.password != form.password_confirm {
        note(Field::PasswordConfirm, Err(Problem::PasswordMismatch));
    }
    let real_name = form.real_name.trim().to_string();
    note(Field::RealName, check_real_name(&real_name));

    let id_type = IdType::from_code(&form.id_type);
    let id_number = match id_type {
        Some(t) => normalize_id_number(t, &form.id_number, today).map_err(|p| note(Field::IdNumber, Err(p))).ok(),
        None => {
            note(Field::IdType, Err(Problem::IdTypeUnknown));
            None
        }
    };
    let phone = normalize_phone(&form.phone).map_err(|p| note(Field::Phone, Err(p))).ok().flatten();
    let email = normalize_email(&form.email).map_err(|p| note(Field::Email, Err(p))).ok().flatten();

    match (id_type, id_number) {
        (Some(id_type), Some(id_number)) if errors.is_empty() => {
            Ok(Registration { username, password: form.password.clone(), real_name, id_type, id_number, phone, email })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Ymd = Ymd { year: 2026, month: 11, day: 25 };

    fn good_form() -> RegistrationForm {
        RegistrationForm {
            username: " ZhangSan ".into(),
            password: "Ecert#2026".into(),
            password_confirm: "Ecert#2026".into(),
            real_name: "张三".into(),
            id_type: "resident_id".into(),
            id_number: "11010519850315001x".into(),
            phone: "138 0013 8000".into(),
            email: "".into(),
        }
    }

    fn problems(form: &RegistrationForm) -> Vec<(Field, Problem)> {
        validate_registration(form, TODAY).unwrap_err().into_iter().map(|e| (e.field, e.problem)).collect()
    }

    #[test]
    fn accepts_and_normalises_a_good_form() {
        let mut form = good_form();
        form.id_number = "110105198503150019".into();
        let reg = validate_registration(&form, TODAY).unwrap();
        assert_eq!(reg.username, "zhangsan");
        assert_eq!(reg.id_type, IdType::ResidentId);
        assert_eq!(reg.id_number, "110105198503150019");
        assert_eq!(reg.phone.as_deref(), Some("13800138000"));
        assert_eq!(reg.email, None);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let form = RegistrationForm {
            username: "1x".into(),
            password: "short".into(),
            password_confirm: "other".into(),
            real_name: "".into(),
            id_type: "resident_id".into(),
            id_number: "110105198503150011".into(),
            phone: "12345".into(),
            email: "not-an-email".into(),
        };
        assert_eq!(
            problems(&form),
            vec![
                (Field::Username, Problem::UsernameFormat),
                (Field::Password, Problem::PasswordTooShort),
                (Field::PasswordConfirm, Problem::PasswordMismatch),
                (Field::RealName, Problem::Required),
                (Field::IdNumber, Problem::IdNumberChecksum),
                (Field::Phone, Problem::PhoneFormat),
                (Field::Email, Problem::EmailFormat),
            ]
        );
    }

    #[test]
    fn unknown_id_type_is_reported() {
        let mut form = good_form();
        form.id_type = "library_card".into();
        assert_eq!(problems(&form), vec![(Field::IdType, Problem::IdTypeUnknown)]);
    }

    #[test]
    fn a_password_change_follows_the_registration_rules() {
        let change = |current: &str, new: &str, confirm: &str| PasswordChange {
            current_password: current.into(),
            new_password: new.into(),
            new_password_confirm: confirm.into(),
        };
        let problems = |c: &PasswordChange| -> Vec<(Field, Problem)> {
            validate_password_change(c, "zhangsan")
                .err()
                .unwrap_or_default()
                .iter()
                .map(|e| (e.field, e.problem))
                .collect()
        };
        assert_eq!(problems(&change("Ecert#2026", "Better#2027", "Better#2027")), vec![]);
        assert_eq!(
            problems(&change("", "short", "other")),
            vec![
                (Field::CurrentPassword, Problem::Required),
                (Field::Password, Problem::PasswordTooShort),
                (Field::PasswordConfirm, Problem::PasswordMismatch)
            ]
        );
        assert_eq!(
            problems(&change("Ecert#2026", "Ecert#2026", "Ecert#2026")),
            vec![(Field::Password, Problem::PasswordUnchanged)]
        );
        assert_eq!(
            problems(&change("Ecert#2026", "Zhangsan#2027", "Zhangsan#2027")),
            vec![(Field::Password, Problem::PasswordContainsUsername)]
        );
    }

    #[test]
    fn password_rules() {
        assert_eq!(check_password("", "u"), Err(Problem::Required));
        assert_eq!(check_password("Ab1!", "u"), Err(Problem::PasswordTooShort));
        assert_eq!(check_password("abcdefgh", "u"), Err(Problem::PasswordTooWeak));
        assert_eq!(check_password("abcdefg1", "u"), Err(Problem::PasswordTooWeak));
        assert_eq!(check_password("abcdef1!", "u"), Ok(()));
        assert_eq!(check_password("ABCDEFg1", "u"), Ok(()));
        assert_eq!(check_password("Zhangsan#1", "zhangsan"), Err(Problem::PasswordContainsUsername));
        assert_eq!(check_password(&"Aa1!".repeat(17), "u"), Err(Problem::TooLong));
        // Length counts characters, not bytes.
        assert_eq!(check_password("密码密码密码Aa1", "u"), Ok(()));
    }

    #[test]
    fn username_rules() {
        assert_eq!(check_username("zhangsan"), Ok(()));
        assert_eq!(check_username("li.si-2026_x"), Ok(()));
        assert_eq!(check_username(""), Err(Problem::Required));
        assert_eq!(check_username("abc"), Err(Problem::UsernameFormat));
        assert_eq!(check_username("9lives"), Err(Problem::UsernameFormat));
        assert_eq!(check_username("zhang san"), Err(Problem::UsernameFormat));
        assert_eq!(check_username("张三丰丰"), Err(Problem::UsernameFormat));
        assert_eq!(check_username(&"a".repeat(33)), Err(Problem::UsernameFormat));
    }

    #[test]
    fn real_names() {
        assert_eq!(check_real_name("阿卜杜·买买提"), Ok(()));
        assert_eq!(check_real_name("John O'Neil"), Ok(()));
        assert_eq!(check_real_name("张三3"), Err(Problem::RealNameFormat));
        assert_eq!(check_real_name("<b>张</b>"), Err(Problem::RealNameFormat));
        assert_eq!(check_real_name(&"张".repeat(51)), Err(Problem::TooLong));
    }

    #[test]
    fn contacts() {
        assert_eq!(normalize_phone(""), Ok(None));
        assert_eq!(normalize_phone("+852 9123 4567"), Ok(Some("+85291234567".into())));
        assert_eq!(normalize_phone("12800138000"), Err(Problem::PhoneFormat));
        assert_eq!(normalize_phone("1380013800a"), Err(Problem::PhoneFormat));
        assert_eq!(normalize_email(" a@b.cn "), Ok(Some("a@b.cn".into())));
        assert_eq!(normalize_email("a@b"), Err(Problem::EmailFormat));
        assert_eq!(normalize_email("a@@b.cn"), Err(Problem::EmailFormat));
        assert_eq!(normalize_email("a b@c.cn"), Err(Problem::EmailFormat));
    }
}
