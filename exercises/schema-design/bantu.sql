-- Bantu: a freelance marketplace. MySQL 8.0 and MariaDB 10.11, InnoDB, utf8mb4.
-- Money is BIGINT UNSIGNED whole rupiah (IDR). Times are DATETIME(6) in UTC.
-- Loaded into a scratch database by tests/integration/schema_design_test.cpp.

-- One account per person. A user may be a freelancer, a client, or both: each side is a
-- profile row, and the foreign keys below point at the profile, so "only a freelancer
-- proposes" and "only a client posts a job" are enforced by the database.
CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email         VARCHAR(254)    NOT NULL,
  password_hash VARCHAR(255)    NOT NULL,
  name          VARCHAR(100)    NOT NULL,
  is_admin      BOOLEAN         NOT NULL DEFAULT FALSE,
  status        ENUM('active','suspended') NOT NULL DEFAULT 'active',
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE freelancer_profiles (
  user_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  headline    VARCHAR(200)    NOT NULL,
  hourly_rate BIGINT UNSIGNED NULL,
  CONSTRAINT fk_freelancer_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE companies (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name       VARCHAR(200)    NOT NULL,
  created_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who may act for a company, and how.
CREATE TABLE company_members (
  company_id BIGINT UNSIGNED NOT NULL,
  user_id    BIGINT UNSIGNED NOT NULL,
  role       ENUM('owner','manager','member') NOT NULL,
  PRIMARY KEY (company_id, user_id),
  KEY ix_company_members_user (user_id),
  CONSTRAINT fk_member_company FOREIGN KEY (company_id) REFERENCES companies (id),
  CONSTRAINT fk_member_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE client_profiles (
  user_id    BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  company_id BIGINT UNSIGNED NULL,  -- NULL: hires as a private person
  CONSTRAINT fk_client_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_client_company FOREIGN KEY (company_id) REFERENCES companies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE categories (
  id        INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id INT UNSIGNED NULL,
  name      VARCHAR(100) NOT NULL,
  UNIQUE KEY uq_categories_name (parent_id, name),
  CONSTRAINT fk_category_parent FOREIGN KEY (parent_id) REFERENCES categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE locations (
  id       INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  city     VARCHAR(100) NOT NULL,
  province VARCHAR(100) NOT NULL,
  UNIQUE KEY uq_locations_city (province, city)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The main query, job search:
--   WHERE status = 'open' AND category_id = ? AND location_id = ? AND budget_max >= ?
--   ORDER BY budget_max, id LIMIT 20
-- ix_jobs_search puts the three equalities first and the price range last, so the search is
-- one index range read in budget order (no filesort); keyset pages continue after
-- (budget_max, id). Remote jobs have location_id NULL and are searched with IS NULL, which
-- uses the same index. Free text goes to the FULLTEXT index instead.
CREATE TABLE jobs (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  client_id   BIGINT UNSIGNED NOT NULL,
  company_id  BIGINT UNSIGNED NULL,
  category_id INT UNSIGNED    NOT NULL,
  location_id INT UNSIGNED    NULL,
  title       VARCHAR(200)    NOT NULL,
  description TEXT            NOT NULL,
  budget_min  BIGINT UNSIGNED NOT NULL,
  budget_max  BIGINT UNSIGNED NOT NULL,
  status      ENUM('draft','open','in_progress','completed','cancelled') NOT NULL DEFAULT 'draft',
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_jobs_search (status, category_id, location_id, budget_max, id),
  KEY ix_jobs_client (client_id, created_at),
  FULLTEXT KEY ft_jobs_text (title, description),
  CONSTRAINT ck_jobs_budget CHECK (budget_min <= budget_max),
  CONSTRAINT fk_job_client FOREIGN KEY (client_id) REFERENCES client_profiles (user_id),
  CONSTRAINT fk_job_company FOREIGN KEY (company_id) REFERENCES companies (id),
  CONSTRAINT fk_job_category FOREIGN KEY (category_id) REFERENCES categories (id),
  CONSTRAINT fk_job_location FOREIGN KEY (location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One proposal per freelancer per job; a freelancer's own list is ix_proposals_freelancer.
CREATE TABLE proposals (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id        BIGINT UNSIGNED NOT NULL,
  freelancer_id BIGINT UNSIGNED NOT NULL,
  cover_letter  TEXT            NOT NULL,
  amount        BIGINT UNSIGNED NOT NULL,
  status        ENUM('submitted','negotiating','accepted','rejected','withdrawn') NOT NULL DEFAULT 'submitted',
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_proposals_job_freelancer (job_id, freelancer_id),
  KEY ix_proposals_freelancer (freelancer_id, created_at),
  CONSTRAINT fk_proposal_job FOREIGN KEY (job_id) REFERENCES jobs (id),
  CONSTRAINT fk_proposal_freelancer FOREIGN KEY (freelancer_id) REFERENCES freelancer_profiles (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Negotiation: every offer and counter-offer on a proposal, in order. The latest row is the
-- standing offer; nothing is updated in place, so the history is the audit trail.
CREATE TABLE proposal_offers (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  proposal_id BIGINT UNSIGNED NOT NULL,
  from_user_id BIGINT UNSIGNED NOT NULL,
  amount      BIGINT UNSIGNED NOT NULL,
  message     VARCHAR(2000)   NOT NULL,
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_offers_proposal (proposal_id, id),
  CONSTRAINT fk_offer_proposal FOREIGN KEY (proposal_id) REFERENCES proposals (id),
  CONSTRAINT fk_offer_user FOREIGN KEY (from_user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An accepted proposal becomes a contract; one contract per proposal.
CREATE TABLE contracts (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  proposal_id   BIGINT UNSIGNED NOT NULL,
  amount        BIGINT UNSIGNED NOT NULL,
  status        ENUM('active','delivered','completed','disputed','cancelled') NOT NULL DEFAULT 'active',
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_contracts_proposal (proposal_id),
  CONSTRAINT fk_contract_proposal FOREIGN KEY (proposal_id) REFERENCES proposals (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Money movements of a contract (escrow in, release to the freelancer, refund, fee). The
-- gateway's reference is unique, so a repeated webhook cannot record a payment twice.
CREATE TABLE transactions (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  contract_id BIGINT UNSIGNED NOT NULL,
  kind        ENUM('escrow_deposit','release','refund','platform_fee') NOT NULL,
  amount      BIGINT UNSIGNED NOT NULL,
  status      ENUM('pending','succeeded','failed') NOT NULL DEFAULT 'pending',
  gateway_ref VARCHAR(100)    NULL,
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_transactions_gateway_ref (gateway_ref),
  KEY ix_transactions_contract (contract_id, id),
  CONSTRAINT fk_transaction_contract FOREIGN KEY (contract_id) REFERENCES contracts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Chat: a conversation (optionally about a job) between participants; messages in order.
CREATE TABLE conversations (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id     BIGINT UNSIGNED NULL,
  created_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT fk_conversation_job FOREIGN KEY (job_id) REFERENCES jobs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE conversation_participants (
  conversation_id BIGINT UNSIGNED NOT NULL,
  user_id         BIGINT UNSIGNED NOT NULL,
  last_read_message_id BIGINT UNSIGNED NULL,
  PRIMARY KEY (conversation_id, user_id),
  KEY ix_participants_user (user_id, conversation_id),
  CONSTRAINT fk_participant_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id),
  CONSTRAINT fk_participant_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE messages (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  conversation_id BIGINT UNSIGNED NOT NULL,
  sender_id       BIGINT UNSIGNED NOT NULL,
  body            VARCHAR(4000)   NOT NULL,
  created_at      DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_messages_conversation (conversation_id, id),
  CONSTRAINT fk_message_participant FOREIGN KEY (conversation_id, sender_id)
    REFERENCES conversation_participants (conversation_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each side reviews the other once per contract; ratings 1..5.
CREATE TABLE reviews (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  contract_id BIGINT UNSIGNED NOT NULL,
  reviewer_id BIGINT UNSIGNED NOT NULL,
  reviewee_id BIGINT UNSIGNED NOT NULL,
  rating      TINYINT UNSIGNED NOT NULL,
  comment     VARCHAR(2000)   NOT NULL DEFAULT '',
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_reviews_contract_reviewer (contract_id, reviewer_id),
  KEY ix_reviews_reviewee (reviewee_id, created_at),
  CONSTRAINT ck_reviews_rating CHECK (rating BETWEEN 1 AND 5),
  CONSTRAINT ck_reviews_not_self CHECK (reviewer_id <> reviewee_id),
  CONSTRAINT fk_review_contract FOREIGN KEY (contract_id) REFERENCES contracts (id),
  CONSTRAINT fk_review_reviewer FOREIGN KEY (reviewer_id) REFERENCES users (id),
  CONSTRAINT fk_review_reviewee FOREIGN KEY (reviewee_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
