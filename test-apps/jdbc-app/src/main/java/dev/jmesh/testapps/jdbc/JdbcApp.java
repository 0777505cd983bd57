package dev.jmesh.testapps.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;

/**
 * One JDBC query, as a database client application makes it: {@code JdbcApp <url> <user> <sql>}
 * prints each row as {@code ROW a|b|...}, then {@code DONE rows=N}, and exits 0; a failure is
 * printed as {@code FAILED <exception>} with exit code 1. The URL names the database by its mesh
 * service ({@code jdbc:postgresql://postgres:5432/mesh}), which the agent resolves and routes.
 */
public final class JdbcApp {

  private JdbcApp() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: JdbcApp <jdbc-url> <user> <sql>");
      System.exit(2);
    }
    try (Connection connection = DriverManager.getConnection(args[0], args[1], "");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(args[2])) {
      ResultSetMetaData columns = rows.getMetaData();
      int n = 0;
      while (rows.next()) {
        StringBuilder row = new StringBuilder("ROW ");
        for (int i = 1; i <= columns.getColumnCount(); i++) {
          row.append(i > 1 ? "|" : "").append(rows.getString(i));
        }
        System.out.println(row);
        n++;
      }
      System.out.println("DONE rows=" + n);
    } catch (Exception e) {
      System.out.println("FAILED " + e);
      System.exit(1);
    }
  }
}
