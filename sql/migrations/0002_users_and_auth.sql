-- 0002: users, refresh tokens, one-time login codes and the development mail outbox.

-- Emails are stored lower-cased by the service; the unique key is what makes "duplicate
-- email → 409" race-free (two concurrent creates: one insert wins, the other gets 1062).
CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email         VARCHAR(254)    NOT NULL,
  name          VARCHAR(100)    NOT NULL,
  password_hash VARCHAR(255)    NOT NULL,   -- argon2id, libsodium's encoded form
  role          ENUM('admin','organizer','customer') NOT NULL DEFAULT 'customer',
  status        ENUM('active','disabled')            NOT NULL DEFAULT 'active',
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_users_email (email),
  -- GET /api/users?role=... pages by id within a role.
  KEY ix_users_role (role, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Opaque refresh tokens: only the SHA-256 of the token is stored. Every use rotates the token
-- within its family; presenting a rotated one again revokes the whole family (reuse detection).
CREATE TABLE refresh_tokens (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  family_id   CHAR(32)        NOT NULL,     -- random, hex
  token_hash  CHAR(64)        NOT NULL,     -- SHA-256 of the token, hex
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at  DATETIME(6)     NOT NULL,
  rotated_at  DATETIME(6)     NULL,         -- set when exchanged for a newer token
  revoked_at  DATETIME(6)     NULL,         -- logout, reuse, password change, disabled user
  UNIQUE KEY uq_refresh_token_hash (token_hash),
  KEY ix_refresh_family (family_id),
  KEY ix_refresh_user (user_id),
  CONSTRAINT fk_refresh_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- At most one live code per user (the primary key): issuing a new code replaces the old one.
-- The code itself is never stored, only an HMAC-SHA256 of it under a server key.
CREATE TABLE login_codes (
  user_id         BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  code_hash       CHAR(64)        NOT NULL,
  expires_at      DATETIME(6)     NOT NULL,
  failed_attempts INT UNSIGNED    NOT NULL DEFAULT 0,
  created_at      DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT fk_login_code_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- The development/test mailer writes here instead of sending; GET /api/admin/mail-outbox
-- reads it (404 in production, where the SMTP mailer is used).
CREATE TABLE mail_outbox (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  to_email   VARCHAR(254)    NOT NULL,
  subject    VARCHAR(255)    NOT NULL,
  body       TEXT            NOT NULL,
  created_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_outbox_to (to_email, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
